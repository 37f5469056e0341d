// The provider lab: emulated identity providers, an API emulator and an app harness page in one
// process, started by Playwright (playwright.config.ts) for the e2e/providers.*.spec.ts journeys.
//
// Ports (LATCHKEY_PROVIDERS_PORT moves the block, default 4200; see urls.ts):
//   base          app harness on localhost: /<provider>/ and /<provider>/callback, hooks /__lab/...
//   base + 1..17  one emulated provider each, on 127.0.0.1 (ProviderDefinition.port)
//   base + 18     the API emulator's second API on 127.0.0.1: /<provider>/me (reportsApi)
//   base + 19     the API emulator on 127.0.0.1: /<provider>/me and /<provider>/bearer-only/me
// The app and the providers are different sites (localhost vs 127.0.0.1), as in production.
//
// To add a provider (Auth0, Google, Entra ID, Cognito, ...):
//   1. Write e2e/providers/<name>.ts exporting a ProviderDefinition (lab.ts): a free port offset,
//      the issuer path, oidc-provider `routes` for the provider's documented endpoint paths,
//      client id, scopes, audience, and the traits (DPoP nonce, RFC 9207 iss, rotation, sign-out
//      prompt, access token claims and the checks its API must make). Cite, in a comment next to
//      each value, the documentation page it comes from. A quirk no field covers goes in
//      `configure` (the oidc-provider configuration) with its citation; add a field to
//      ProviderDefinition when two providers need the same quirk.
//   2. Add it to PROVIDERS below. Its app page is then http://localhost:<base>/<name>/, its API
//      http://127.0.0.1:<base+19>/<name>/me, its log GET /__lab/<name>/log (and
//      POST /__lab/<name>/replay-refresh presents its last rotated refresh token again).
//   3. Write e2e/providers.<name>.spec.ts with the helpers in e2e/providers/journey.ts.
//   Two modes of one provider (Auth0's new and legacy tenants, Entra ID single and multi-tenant)
//   are two definitions with their own names and ports.

import { createServer } from 'node:http'
import { listen, sendJson, stop } from '../../playground/server/http.js'
import { sdkBundler } from '../sdkBundle.js'
import { auth0, auth0Legacy } from './auth0.js'
import { cognito } from './cognito.js'
import { entra, entraCommon } from './entra.js'
import { google } from './google.js'
import { keycloak } from './keycloak.js'
import { type ProviderDefinition, type RunningProvider, startApi, startProvider } from './lab.js'
import { okta } from './okta.js'
import { API, APP, PORT_BASE } from './urls.js'

const PROVIDERS: readonly ProviderDefinition[] = [
  okta,
  keycloak,
  auth0,
  auth0Legacy,
  google,
  entra,
  entraCommon,
  cognito,
]

/**
 * The app page: creates the client from the lab's config for this provider merged with the
 * test's overrides. A test gives overrides once, as `?lab=<json>`; they are kept in
 * sessionStorage, so they survive the redirect to the provider, the callback and reloads (and
 * the silent sign-in iframe, same origin in the same tab, reads them too).
 */
const HARNESS_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Latchkey provider lab</title></head>
<body>
<p>Status: <output id="status">loading</output> <output id="error"></output></p>
<button id="login" type="button">Sign in</button>
<script type="module">
import { createAuth } from '/__lab/latchkey.js'
const name = location.pathname.split('/')[1]
const key = 'latchkey-lab:' + name
const url = new URL(location.href)
const given = url.searchParams.get('lab')
if (given !== null) {
  sessionStorage.setItem(key, given)
  url.searchParams.delete('lab')
  history.replaceState(null, '', url)
}
const defaults = await (await fetch('/__lab/' + name + '/config')).json()
// Every protocol step the client reports (its onEvent), for specs that check a step.
window.labEvents = []
const onEvent = (event) => window.labEvents.push(event)
const auth = createAuth({ ...defaults, ...JSON.parse(sessionStorage.getItem(key) ?? '{}'), onEvent })
window.lab = auth
const show = (state) => {
  document.getElementById('status').textContent = state.status
  document.getElementById('error').textContent = state.error?.code ?? ''
}
show(auth.getState())
auth.subscribe(show)
document.getElementById('login').addEventListener('click', () => auth.login())
try {
  const result = await auth.handleRedirect()
  if (result) history.replaceState(null, '', result.returnTo)
} catch {
  // The state shows the error.
}
window.labReady = true
</script>
</body>
</html>
`

const sdk = await sdkBundler()

const running: RunningProvider[] = []
for (const definition of PROVIDERS) running.push(await startProvider(definition))
const api = await startApi(PORT_BASE + 19, running)
const reportsApi = await startApi(PORT_BASE + 18, running, 'reports')

/** The client configuration of a provider's app page, before the test's overrides. */
function appConfig({ definition, issuer }: RunningProvider) {
  return {
    issuer,
    clientId: definition.clientId,
    redirectUri: `${APP}/${definition.name}/callback`,
    postLogoutRedirectUri: `${APP}/${definition.name}/`,
    scope: definition.scope,
    apiOrigins: [API],
  }
}

const harness = createServer((req, res) => {
  const path = new URL(req.url ?? '/', APP).pathname
  const [, first, second, third] = path.split('/')
  // /<name>/ and /<name>/callback are its app page, /__lab/<name>/{config,log} its hooks.
  const provider = running.find((p) => p.definition.name === (first === '__lab' ? second : first))
  const reply = async () => {
    if (path === '/__lab/health') return sendJson(res, 200, { ok: true })
    if (path === '/__lab/latchkey.js') {
      res.writeHead(200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-store',
      })
      return void res.end(await sdk.bundle())
    }
    if (path === '/__lab/api/log') return sendJson(res, 200, api.log())
    if (first === '__lab' && provider !== undefined && third === 'config') {
      return sendJson(res, 200, appConfig(provider))
    }
    if (first === '__lab' && provider !== undefined && third === 'log') {
      return sendJson(res, 200, await provider.log())
    }
    if (
      first === '__lab' &&
      provider !== undefined &&
      third === 'replay-refresh' &&
      req.method === 'POST'
    ) {
      return sendJson(res, 200, await provider.replayRefresh())
    }
    if (provider !== undefined && (path === `/${first}/` || path === `/${first}/callback`)) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      })
      return void res.end(HARNESS_HTML)
    }
    sendJson(res, 404, { error: 'not_found' })
  }
  reply().catch((error: unknown) => {
    console.error('[lab]', error)
    if (!res.headersSent) sendJson(res, 500, { error: 'server_error' })
  })
})
await listen(harness, PORT_BASE)
console.log(
  `provider lab: app ${APP}/<provider>/, API ${API}, providers ${running.map((p) => `${p.definition.name} ${p.issuer}`).join(', ')}`,
)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void Promise.allSettled([
      stop(harness),
      api.close(),
      reportsApi.close(),
      ...running.map((p) => p.close()),
      sdk.dispose(),
    ]).finally(() => process.exit(0))
  })
}
