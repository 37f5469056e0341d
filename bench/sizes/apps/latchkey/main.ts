// The bundle-size app for Latchkey (bench/sizes/measure.mjs): the same five steps in every SDK's
// app. Sign in by redirect, handle the callback (or restore the session), get an access token and
// call an API with it, sign out.
import { createAuth } from '@latchkey/core'

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}
const onClick = (id: string, handler: () => unknown) =>
  document.getElementById(id)?.addEventListener('click', handler)

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: `${location.origin}/callback`,
  apiOrigins: ['https://api.example.com'],
})

onClick('login', () => auth.login())
onClick('call', async () => {
  // authFetch gets a valid access token (refreshed when due) and sends it.
  const response = await auth.authFetch('https://api.example.com/me')
  show('out', await response.text())
})
onClick('logout', () => auth.logout())

// Restoring is the client's own business: the state settles from 'loading' by itself.
auth.subscribe((state) => show('status', state.status))
const result = await auth.handleRedirect() // null unless this page is the callback
if (result) history.replaceState(null, '', result.returnTo)
