// The bundle-size app for @auth0/auth0-spa-js (bench/sizes/measure.mjs): the same five steps in
// every SDK's app. Sign in by redirect, handle the callback (or restore the session), get an
// access token and call an API with it, sign out.
import { Auth0Client } from '@auth0/auth0-spa-js'

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}
const onClick = (id: string, handler: () => unknown) =>
  document.getElementById(id)?.addEventListener('click', handler)

const auth0 = new Auth0Client({
  domain: 'id.example.com',
  clientId: 'spa',
  useRefreshTokens: true,
  authorizationParams: { redirect_uri: `${location.origin}/callback` },
})
// fetchWithAuth gets a token with getTokenSilently (refreshed when due) and sends it.
const api = auth0.createFetcher()

onClick('login', () => auth0.loginWithRedirect())
onClick('call', async () => {
  const response = await api.fetchWithAuth('https://api.example.com/me')
  show('out', await response.text())
})
onClick('logout', () => auth0.logout({ logoutParams: { returnTo: `${location.origin}/` } }))

if (location.pathname === '/callback') {
  await auth0.handleRedirectCallback()
  history.replaceState(null, '', '/')
} else {
  await auth0.checkSession() // restores the session, if any
}
show('status', (await auth0.isAuthenticated()) ? 'authenticated' : 'unauthenticated')
