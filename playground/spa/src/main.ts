// The playground SPA: framework-free, so every Latchkey call is visible in one file.
import { AuthError, type AuthState, createAuth } from '@latchkey/core'
import { createFlowInspector } from '@latchkey/devtools'
import '../../inspector/layout.css'
import { errorTitle } from './messages.js'

const env = import.meta.env
const issuer = env.VITE_LATCHKEY_ISSUER || 'http://localhost:4000'
const apiUrl = env.VITE_LATCHKEY_API_URL || 'http://localhost:4001'
const apiOrigin = new URL(apiUrl).origin
// A second API with its own audience (RFC 8707): authFetch sends it a token of its own.
const reportsUrl = env.VITE_LATCHKEY_REPORTS_URL
// Shows each protocol step (onEvent below) in a panel under the app.
const inspector = createFlowInspector()
// What authFetch does when an API asks for a step-up (RFC 9470), chosen on the page (kept for the
// tab, applied on reload: the option is createAuth()'s).
const STEP_UP_KEY = 'playground:step-up'
const stepUpChoice = sessionStorage.getItem(STEP_UP_KEY) ?? 'popup'

performance.mark('latchkey:start') // read by scripts/bench.mjs: createAuth -> authenticated
const auth = createAuth({
  issuer,
  clientId: env.VITE_LATCHKEY_CLIENT_ID || 'latchkey-spa',
  redirectUri: `${window.location.origin}/callback`,
  scope: env.VITE_LATCHKEY_SCOPE || 'openid profile email offline_access api:read',
  ...(env.VITE_LATCHKEY_RESOURCE ? { resource: env.VITE_LATCHKEY_RESOURCE } : {}),
  apiOrigins: [apiOrigin],
  ...(reportsUrl
    ? {
        apis: [{ origin: new URL(reportsUrl).origin, resource: reportsUrl, scope: 'reports:read' }],
      }
    : {}),
  postLogoutRedirectUri: `${window.location.origin}/`,
  // 'auto' persists DPoP-bound sessions (the embedded server offers DPoP) and keeps Bearer ones
  // in memory.
  storage: (env.VITE_LATCHKEY_STORAGE as 'auto' | 'indexeddb' | 'memory' | undefined) || 'auto',
  refreshLeeway: Number(env.VITE_LATCHKEY_REFRESH_LEEWAY || 60),
  autoRefresh: env.VITE_LATCHKEY_AUTO_REFRESH !== 'false',
  onEvent: inspector.onEvent,
  stepUp: stepUpChoice === 'popup' || stepUpChoice === 'redirect' ? stepUpChoice : false,
  // LATCHKEY_OPTIONS: more options as JSON, for a provider that needs them (docs/guides/providers.md).
  ...(env.VITE_LATCHKEY_OPTIONS ? (JSON.parse(env.VITE_LATCHKEY_OPTIONS) as object) : {}),
})
// For the browser console (and the e2e tests): try `await latchkey.getAccessToken()`.
window.latchkey = auth

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

inspector.mount($('flow-inspector'))
$('issuer').textContent = issuer
$('tab-id').textContent = auth.tabId
const fetchUrl = $<HTMLInputElement>('fetch-url')
fetchUrl.value = new URL('/api/me', apiUrl).href

// Text only, never innerHTML: error descriptions come from the server and may hold markup.
function showError(error: unknown): void {
  const box = $('error')
  if (error === null) {
    box.hidden = true
    return
  }
  const authError =
    error instanceof AuthError
      ? error
      : new AuthError('network_error', error instanceof Error ? error.message : String(error))
  $('error-title').textContent = errorTitle(authError.code)
  // The SDK's messages name the server's error and description where there was one; what a
  // message leaves out (a code it explains in words) is added, so each thing is said once.
  const unsaid = [authError.error, authError.error_description].filter(
    (part): part is string => part !== undefined && !authError.message.includes(part),
  )
  const serverSaid = unsaid.length > 0 ? ` The server said: ${unsaid.join(' — ')}.` : ''
  $('error-message').textContent = `${authError.message}${serverSaid}`
  $('error-code').textContent = authError.code
  box.hidden = false
}

let markedAuthenticated = false
function render(state: AuthState): void {
  if (state.status === 'authenticated' && !markedAuthenticated) {
    markedAuthenticated = true
    performance.mark('latchkey:authenticated') // read by scripts/bench.mjs
  }
  $('status').textContent = state.status
  const signedIn = state.status === 'authenticated'
  $('signed-in').hidden = !signedIn
  $('login').hidden = signedIn
  $('login-popup').hidden = signedIn
  $('restored-silently').hidden = !(signedIn && state.silent)
  $('logout').hidden = !signedIn
  const user = state.user
  $('user-name').textContent = String(user?.name ?? user?.email ?? user?.sub ?? '')
  $('user-sub').textContent = user?.sub ?? ''
  $('claims').textContent = user ? JSON.stringify(user, null, 2) : ''
  $('expires-at').textContent = state.expiresAt
    ? new Date(state.expiresAt).toLocaleTimeString()
    : 'unknown'
  $('token-binding').textContent = state.dpop ? 'DPoP-bound' : 'Bearer'
  $('refreshed-at').textContent = state.refreshedAt
    ? new Date(state.refreshedAt).toLocaleTimeString()
    : 'not yet'
  $('refreshed-by-label').hidden = state.refreshedBy === null
  $('refreshed-by').textContent = state.refreshedBy
    ? `${state.refreshedBy}${state.refreshedBy === auth.tabId ? ' (this tab)' : ''}`
    : '—'
  if (state.error) showError(state.error)
}

auth.subscribe(render)
render(auth.getState())

$('login').addEventListener('click', () => {
  showError(null)
  auth.login({ returnTo: '/' }).catch(showError)
})
$('login-popup').addEventListener('click', () => {
  showError(null)
  // Nothing is awaited before this call: the popup must open inside the click, or it is blocked.
  auth.loginWithPopup().catch(showError)
})
$('logout').addEventListener('click', () => {
  auth.logout().catch(showError)
})
const stepUpSelect = $<HTMLSelectElement>('step-up')
stepUpSelect.value = stepUpChoice
stepUpSelect.addEventListener('change', () => {
  sessionStorage.setItem(STEP_UP_KEY, stepUpSelect.value)
  window.location.reload()
})
$('call-recent').addEventListener('click', () => {
  fetchUrl.value = new URL('/api/recent', apiUrl).href
  // In the click: a step-up popup opens after the API's answer, which must come soon after it.
  $<HTMLFormElement>('fetch-form').requestSubmit()
})
async function callApi(url: string, out: HTMLElement): Promise<void> {
  out.hidden = false
  out.textContent = 'Calling…'
  try {
    const response = await auth.authFetch(url, { headers: { accept: 'application/json' } })
    const body = await response.text()
    out.textContent = `HTTP ${response.status}\n${body}`
  } catch (error) {
    out.textContent = error instanceof AuthError ? `Refused: ${error.code}` : 'Failed'
    showError(error)
  }
}
$('fetch-form').addEventListener('submit', (event) => {
  event.preventDefault()
  void callApi(fetchUrl.value, $('api-result'))
})
if (reportsUrl) {
  $('call-reports').hidden = false
  $('call-reports').addEventListener('click', () => {
    void callApi(new URL('/api/me', reportsUrl).href, $('reports-result'))
  })
}

try {
  const result = await auth.handleRedirect()
  if (result) window.history.replaceState(null, '', result.returnTo)
} catch (error) {
  // The state moved to 'error' too; the subscriber shows it. Send the user home, keeping the message.
  window.history.replaceState(null, '', '/')
  showError(error)
}
