import { AuthProvider, createAuth, RequireAuth, useAuth } from '@latchkey/react'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
})

function Account() {
  const { user, logout } = useAuth() // also status, error, expiresAt, login, authFetch, ...
  return (
    <button type="button" onClick={() => logout()}>
      Sign out {user?.sub}
    </button>
  )
}

export const App = () => (
  <AuthProvider auth={auth}>
    <RequireAuth fallback={<p>Signing in…</p>}>
      <Account />
    </RequireAuth>
  </AuthProvider>
)
