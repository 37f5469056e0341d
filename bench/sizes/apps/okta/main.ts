// The bundle-size app for @okta/okta-auth-js (bench/sizes/measure.mjs): the same five steps in
// every SDK's app. Sign in by redirect, handle the callback (or restore the session), get an
// access token and call an API with it, sign out.
import { OktaAuth } from '@okta/okta-auth-js'

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}
const onClick = (id: string, handler: () => unknown) =>
  document.getElementById(id)?.addEventListener('click', handler)

const oktaAuth = new OktaAuth({
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: `${location.origin}/callback`,
  postLogoutRedirectUri: `${location.origin}/`,
  scopes: ['openid', 'profile', 'offline_access'],
})

onClick('login', () => oktaAuth.signInWithRedirect())
onClick('call', async () => {
  // A valid access token: the stored one, renewed first when due.
  const accessToken = await oktaAuth.getOrRenewAccessToken()
  const response = await fetch('https://api.example.com/me', {
    headers: { authorization: `Bearer ${accessToken}` },
  })
  show('out', await response.text())
})
onClick('logout', () => oktaAuth.signOut())

await oktaAuth.start() // the token service; restores the stored session, if any
if (oktaAuth.isLoginRedirect()) await oktaAuth.handleRedirect('/')
show('status', (await oktaAuth.isAuthenticated()) ? 'authenticated' : 'unauthenticated')
