// The oidc-client-ts page of `npm run bench`: a minimal app signed in the way its docs suggest for
// a session that survives reloads and is shared by tabs (a localStorage user store, automatic
// silent renew with the refresh token). Served on http://localhost:5174, one of the playground's
// registered SPA origins; the bench drives it through `window.bench`.
import { UserManager, WebStorageStateStore } from 'oidc-client-ts'

performance.mark('bench:start')
const config = window.benchConfig
const manager = new UserManager({
  authority: config.issuer,
  client_id: config.clientId,
  redirect_uri: `${window.location.origin}/callback`,
  scope: config.scope,
  userStore: new WebStorageStateStore({ store: window.localStorage }),
  automaticSilentRenew: true,
  accessTokenExpiringNotificationTimeInSeconds: config.leeway,
  monitorSession: false,
})

let status = 'loading'
function authenticated() {
  if (status === 'authenticated') return
  status = 'authenticated'
  performance.mark('bench:authenticated')
}

async function start() {
  if (window.location.pathname === '/callback') {
    await manager.signinRedirectCallback()
    window.history.replaceState(null, '', '/')
  }
  const user = await manager.getUser()
  if (user && !user.expired) authenticated()
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

window.bench = {
  sdk: 'oidc-client-ts',
  status: () => status,
  login: () => manager.signinRedirect(),
  /** A refresh now (its `signinSilent` uses the refresh token); resolves to the new expiry. */
  refresh: async () => {
    const user = await manager.signinSilent()
    return (user?.expires_at ?? 0) * 1000
  },
  /** Milliseconds since the epoch at which the stored access token expires. */
  expiresAt: async () => ((await manager.getUser())?.expires_at ?? 0) * 1000,
  /** Where the SDK starts refreshing: its expiring notification. */
  refreshWindow: () => config.leeway * 1000,
  /** One API read: the token as oidc-client-ts has it (it has no fetch wrapper), sent as Bearer. */
  read: async (url) => {
    const user = await manager.getUser()
    if (!user) return 'no user'
    const response = await fetch(url, { headers: { authorization: `Bearer ${user.access_token}` } })
    return response.status
  },
  signedIn: async () => {
    const user = await manager.getUser()
    return Boolean(user && !user.expired)
  },
}

start().catch((error) => {
  status = `error: ${error}`
})
