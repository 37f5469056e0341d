// The bundle-size app for @azure/msal-browser (bench/sizes/measure.mjs): the same five steps in
// every SDK's app. Sign in by redirect, handle the callback (or restore the session), get an
// access token and call an API with it, sign out.
import { ProtocolMode, PublicClientApplication } from '@azure/msal-browser'

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}
const onClick = (id: string, handler: () => unknown) =>
  document.getElementById(id)?.addEventListener('click', handler)

// A generic OpenID Connect issuer, not Entra ID: OIDC protocol mode, the issuer a known authority.
const msal = new PublicClientApplication({
  auth: {
    clientId: 'spa',
    authority: 'https://id.example.com',
    knownAuthorities: ['id.example.com'],
    redirectUri: `${location.origin}/callback`,
    postLogoutRedirectUri: `${location.origin}/`,
  },
  system: { protocolMode: ProtocolMode.OIDC },
})
const scopes = ['openid', 'profile', 'offline_access']

onClick('login', () => msal.loginRedirect({ scopes }))
onClick('call', async () => {
  const account = msal.getActiveAccount()
  if (!account) return show('out', 'signed out')
  // A valid access token: from the cache, refreshed when due.
  const { accessToken } = await msal.acquireTokenSilent({ scopes, account })
  const response = await fetch('https://api.example.com/me', {
    headers: { authorization: `Bearer ${accessToken}` },
  })
  show('out', await response.text())
})
onClick('logout', () => msal.logoutRedirect())

await msal.initialize()
const result = await msal.handleRedirectPromise() // null unless this page is the callback
if (result) history.replaceState(null, '', '/')
msal.setActiveAccount(result?.account ?? msal.getAllAccounts()[0] ?? null) // or restore
show('status', msal.getActiveAccount() ? 'authenticated' : 'unauthenticated')
