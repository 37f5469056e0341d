import { AuthProvider, RequireAuth, useAuth } from '@latchkey/react'
import { useState } from 'react'
import { BrowserRouter, Link, Route, Routes, useNavigate } from 'react-router'
import { API, auth } from './auth'

function Home() {
  const { isLoading, isAuthenticated, user, login } = useAuth()
  if (isLoading) return <p>Loading…</p>
  if (!isAuthenticated) {
    return (
      <button type="button" onClick={() => login({ returnTo: '/account' })}>
        Sign in
      </button>
    )
  }
  return (
    <p>
      Signed in as {user?.sub}. <Link to="/account">Your account</Link>
    </p>
  )
}

// <AuthProvider> completes the sign-in here, then navigates to where login() was called; a
// failed one (the user cancelled, a stale link) stays here and says why.
function Callback() {
  const { error } = useAuth()
  if (!error) return <p>Signing in…</p>
  return (
    <p role="alert">
      {error.code === 'authorization_denied'
        ? 'The sign-in was cancelled or refused.'
        : 'The sign-in did not complete.'}{' '}
      <Link to="/">Back to the start</Link>
    </p>
  )
}

function Account() {
  const { user, authFetch, logout } = useAuth()
  const [answer, setAnswer] = useState('')
  async function callApi() {
    const response = await authFetch(`${API}/api/me`)
    setAnswer(`HTTP ${response.status}: ${await response.text()}`)
  }
  return (
    <>
      <p>Hello, {user?.sub}.</p>
      <button type="button" onClick={callApi}>
        Call the API
      </button>
      <output>{answer}</output>
      <button type="button" onClick={() => logout()}>
        Sign out
      </button>
    </>
  )
}

function Routed() {
  const navigate = useNavigate()
  return (
    <AuthProvider auth={auth} onRedirect={(to) => navigate(to, { replace: true })}>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/callback" element={<Callback />} />
        <Route
          path="/account"
          element={
            <RequireAuth fallback={<p>Signing in…</p>}>
              <Account />
            </RequireAuth>
          }
        />
      </Routes>
    </AuthProvider>
  )
}

export default function App() {
  return (
    <BrowserRouter>
      <Routed />
    </BrowserRouter>
  )
}
