// The page the engine journeys drive (e2e/engines.spec.ts), the same in every engine: the SDK from
// packages/core's source with the playground's values, `window.latchkey` for the spec, and the
// buttons a user clicks. Served on its own origin, which the playground accepts.
import { type AuthError, createAuth } from '../../packages/core/src/index.js'

const API = 'http://localhost:4001'
const auth = createAuth({
  issuer: 'http://localhost:4000',
  clientId: 'latchkey-spa',
  redirectUri: `${location.origin}/callback`,
  scope: 'openid profile email offline_access api:read',
  resource: API,
  apiOrigins: [API],
  postLogoutRedirectUri: `${location.origin}/`,
  // Tokens of 4 s are "about to expire" 2 s after they are issued; no timer refreshes behind the
  // spec's back, so it counts every refresh.
  refreshLeeway: 2,
  autoRefresh: false,
})
;(window as unknown as { latchkey: typeof auth }).latchkey = auth

const $ = (id: string) => document.getElementById(id) as HTMLElement
const render = () => {
  const state = auth.getState()
  $('status').textContent = state.status
  $('user').textContent = typeof state.user?.sub === 'string' ? state.user.sub : ''
  $('error').textContent = state.error ? state.error.code : ''
}
auth.subscribe(render)
render()
const fail = (error: unknown) => {
  $('error').textContent = (error as AuthError).code ?? String(error)
}
$('login').addEventListener('click', () => auth.login({ prompt: 'login' }).catch(fail))
$('popup').addEventListener('click', () => {
  auth.loginWithPopup({ prompt: 'login' }).then(() => {
    $('popup-result').textContent = 'signed in'
  }, fail)
})
$('logout').addEventListener('click', () => auth.logout().catch(fail))

try {
  const result = await auth.handleRedirect()
  if (result) history.replaceState(null, '', result.returnTo)
} catch (error) {
  fail(error)
}
$('ready').textContent = 'ready'
