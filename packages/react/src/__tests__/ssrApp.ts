// Run by ssr.test.ts in plain Node (no window): imports the package by name and renders on a server.
import { createElement as h } from 'react'
import { renderToString } from 'react-dom/server'

const before = Object.keys(globalThis).sort()
const { AuthProvider, RequireAuth, createAuth, useAuth } = await import('@latchkey/react')

function App() {
  const { status, isLoading, user } = useAuth()
  return h(
    'main',
    null,
    h('p', null, `${status} ${String(isLoading)} ${user === null ? 'nobody' : user.sub}`),
    h(RequireAuth, { fallback: h('p', null, 'Signing you in') }, h('p', null, 'secret')),
  )
}

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
})
const html = renderToString(h(AuthProvider, { auth }, h(App)))
const added = Object.keys(globalThis)
  .sort()
  .filter((key) => !before.includes(key))
console.log(JSON.stringify({ html, window: typeof window, added }))
