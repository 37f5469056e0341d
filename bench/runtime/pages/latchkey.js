// Latchkey in the same minimal page as the peer SDKs (bench/runtime/pages), for the reload,
// cold-load and journey figures: the playground SPA's production build has more page around the
// SDK than these pages have. Built code-split (bench/runtime/build.mjs), so what the SDK loads on
// demand comes over the network as in an app.
import { createAuth } from '@latchkey/core'

// The reload figure's yardstick (`window.bench.setUpProbe()`): a bare IndexedDB open and one get of
// a database of the page's own, holding one value made of everything Latchkey stored. Timed where
// the SDK's restore starts, before the SDK is created, in the one load after
// `window.bench.probeNextLoad()`: at the start of a load the first IndexedDB open costs several
// times what it does once the page has settled (the same bare read measured about 13 ms there and
// 2 ms 50 ms after the restore), so the bare read and the restore are each timed as the first of
// a load of their own, never one after the other in the same load.
const PROBE = { db: 'latchkey-bench-probe', store: 'kv', key: 'restore', flag: 'bench:probe' }
if (window.sessionStorage.getItem(PROBE.flag)) {
  window.sessionStorage.removeItem(PROBE.flag)
  await bareRead()
}

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

/** The bare read, marked `bench:probe` (detail: whether it found the value). */
async function bareRead() {
  const start = performance.now()
  const value = await new Promise((resolve, reject) => {
    const open = indexedDB.open(PROBE.db)
    open.onerror = () => reject(open.error)
    open.onsuccess = () => {
      const db = open.result
      const request = db
        .transaction(PROBE.store, 'readonly')
        .objectStore(PROBE.store)
        .get(PROBE.key)
      request.onerror = () => reject(request.error)
      request.onsuccess = () => {
        db.close()
        resolve(request.result)
      }
    }
  })
  performance.measure('bench:probe', { start, detail: value === undefined ? 'empty' : 'read' })
}

/**
 * Copies every record of the page's other IndexedDB databases (Latchkey's session, DPoP key and
 * whatever else it keeps) into one value of the probe's database.
 * @returns {Promise<{ records: number, jsonBytes: number }>} what the value holds
 */
async function setUpProbe() {
  const request = (target) =>
    new Promise((resolve, reject) => {
      target.onerror = () => reject(target.error)
      target.onsuccess = () => resolve(target.result)
    })
  const value = {}
  for (const { name } of await indexedDB.databases()) {
    if (name === PROBE.db) continue
    const db = await request(indexedDB.open(name))
    for (const store of db.objectStoreNames) {
      const objects = db.transaction(store, 'readonly').objectStore(store)
      const [keys, records] = await Promise.all([
        request(objects.getAllKeys()),
        request(objects.getAll()),
      ])
      keys.forEach((key, i) => {
        value[`${name}/${store}/${String(key)}`] = records[i]
      })
    }
    db.close()
  }
  const open = indexedDB.open(PROBE.db)
  open.onupgradeneeded = () => open.result.createObjectStore(PROBE.store)
  const db = await request(open)
  const write = db.transaction(PROBE.store, 'readwrite')
  write.objectStore(PROBE.store).put(value, PROBE.key)
  await new Promise((resolve, reject) => {
    write.oncomplete = resolve
    write.onerror = () => reject(write.error)
  })
  db.close()
  // CryptoKeys are cloned into the value as they are but weigh nothing in JSON.
  return { records: Object.keys(value).length, jsonBytes: JSON.stringify(value).length }
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
  logout: () => auth.logout(),
  setUpProbe,
  probeNextLoad: () => window.sessionStorage.setItem(PROBE.flag, '1'),
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
