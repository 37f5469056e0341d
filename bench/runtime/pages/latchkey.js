// Latchkey in the same minimal page as the peer SDKs (bench/runtime/pages), for the reload figures:
// the playground SPA's production build has more page around the SDK than these pages have.
import { createAuth } from '@latchkey/core'

performance.mark('bench:start')
const config = window.benchConfig
const auth = createAuth({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: `${window.location.origin}/callback`,
  scope: config.scope,
  resource: config.api,
  apiOrigins: [config.api],
  refreshLeeway: config.latchkeyLeeway ?? config.leeway,
})
// As in the playground SPA, for the bench's page.evaluate calls.
window.latchkey = auth

let status = 'loading'
function onState(state) {
  if (state.status === 'authenticated' && status !== 'authenticated') {
    status = 'authenticated'
    performance.mark('bench:authenticated')
  }
}
auth.subscribe(onState)
onState(auth.getState())

async function start() {
  if (await auth.handleRedirect()) window.history.replaceState(null, '', '/')
  await new Promise((resolve) => {
    const settled = () => auth.getState().status !== 'loading' && resolve()
    auth.subscribe(settled)
    settled()
  })
  if (status !== 'authenticated') status = 'anonymous'
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
  sdk: 'latchkey',
  status: () => status,
  login: () => auth.login({ returnTo: '/' }),
  refresh: async () => {
    await auth.getAccessToken({ forceRefresh: true })
    return auth.getState().expiresAt ?? 0
  },
  expiresAt: async () => auth.getState().expiresAt ?? 0,
  refreshWindow: () => (config.latchkeyLeeway ?? config.leeway) * 1000,
  read: async (url) => (await auth.authFetch(url)).status,
  signedIn: async () => auth.getState().status === 'authenticated',
}

start().catch((error) => {
  status = `error: ${error}`
})
