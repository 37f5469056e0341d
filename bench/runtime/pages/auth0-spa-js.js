// The auth0-spa-js page of `npm run bench`: a minimal app with the settings its docs give for a
// session that survives reloads and is shared by tabs (`cacheLocation: 'localstorage'`,
// `useRefreshTokens: true`). Served on http://localhost:5175, one of the playground's registered SPA
// origins; the bench drives it through `window.bench`.
//
// auth0-spa-js only talks to Auth0: it sends users to `${domain}/authorize`, asks
// `${domain}/oauth/token` for tokens and expects the ID token's `iss` to be `${domain}/`. To run it
// against the playground's oidc-provider (issuer http://localhost:4000, endpoints /auth and /token)
// the page (1) opens the authorization URL with /authorize replaced by /auth, through the SDK's own
// `openUrl` option, and (2) wraps window.fetch so that a POST to /oauth/token goes to /token without
// the SDK's `Auth0-Client` telemetry header, and the `iss` of the ID token in the answer gets the
// trailing slash the SDK expects. The SDK checks the ID token's claims but not its signature, so the
// rewritten token passes; nothing else of the exchange is changed.
import { Auth0Client } from '@auth0/auth0-spa-js'

const config = window.benchConfig
const tokenUrl = `${config.issuer}/oauth/token`
const realFetch = window.fetch.bind(window)
window.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
  if (url !== tokenUrl) return realFetch(input, init)
  const headers = new Headers(init?.headers)
  headers.delete('auth0-client')
  const response = await realFetch(`${config.issuer}/token`, { ...init, headers })
  const body = await response.json()
  if (typeof body.id_token === 'string') body.id_token = withIssuerSlash(body.id_token)
  return new Response(JSON.stringify(body), {
    status: response.status,
    headers: { 'content-type': 'application/json' },
  })
}

function withIssuerSlash(jwt) {
  const [header, payload, signature] = jwt.split('.')
  const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')))
  claims.iss = `${claims.iss}/`
  const encoded = btoa(JSON.stringify(claims))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
  return `${header}.${encoded}.${signature}`
}

performance.mark('bench:start')
const auth0 = new Auth0Client({
  domain: config.issuer,
  clientId: config.clientId,
  authorizationParams: { redirect_uri: `${window.location.origin}/callback`, scope: config.scope },
  cacheLocation: 'localstorage',
  useRefreshTokens: true,
  useRefreshTokensFallback: false,
})
const fetcher = auth0.createFetcher()

let status = 'loading'
function authenticated() {
  if (status === 'authenticated') return
  status = 'authenticated'
  performance.mark('bench:authenticated')
}

async function start() {
  if (window.location.pathname === '/callback') {
    await auth0.handleRedirectCallback()
    window.history.replaceState(null, '', '/')
  }
  await auth0.checkSession()
  if (await auth0.isAuthenticated()) authenticated()
  else status = 'anonymous'
  if (status === 'authenticated') await firstReadOnColdLoad()
}

// `?coldload` (the bench's throttled cold-load figure): the app's first API read, as soon as it is
// signed in, marked when its answer arrives. Opt-in, so the other figures' loads make no API call.
async function firstReadOnColdLoad() {
  if (!new URLSearchParams(window.location.search).has('coldload')) return
  const answer = await window.bench
    .read(`${config.api}/api/me`)
    .catch((error) => String(error?.code ?? error?.error ?? error))
  performance.mark('bench:api', { detail: answer })
}

/** The access-token entry of the SDK's localStorage cache. */
function cacheEntry() {
  for (let i = 0; i < window.localStorage.length; i++) {
    const key = window.localStorage.key(i)
    if (key?.startsWith('@@auth0spajs@@::') && !key.endsWith('::@@user@@')) {
      const entry = JSON.parse(window.localStorage.getItem(key) ?? 'null')
      if (entry?.body?.access_token) return entry
    }
  }
  return undefined
}

window.bench = {
  sdk: 'auth0-spa-js',
  status: () => status,
  login: () =>
    auth0.loginWithRedirect({
      openUrl: (url) =>
        window.location.assign(
          url.replace(`${config.issuer}/authorize?`, `${config.issuer}/auth?`),
        ),
    }),
  refresh: async () => {
    await auth0.getTokenSilently({ cacheMode: 'off' })
    return (cacheEntry()?.expiresAt ?? 0) * 1000
  },
  expiresAt: async () => (cacheEntry()?.expiresAt ?? 0) * 1000,
  /** auth0-spa-js refreshes a token 60 s before it expires; the figure is fixed in its code. */
  refreshWindow: () => 60_000,
  /** One API read through the SDK's fetcher, which asks getTokenSilently() for the token. */
  read: async (url) => (await fetcher.fetchWithAuth(url)).status,
  signedIn: () => auth0.isAuthenticated(),
}

start().catch((error) => {
  status = `error: ${error}`
})
