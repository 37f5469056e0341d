// The core journeys in every engine users have: the same spec runs as three Playwright projects
// (playwright.config.ts: engines-chromium, engines-firefox, engines-webkit), each driving its
// engine through e2e/engines/driver.ts against the real playground, on a harness page of its own
// origin (e2e/engines/harness.ts). IndexedDB, Web Locks, BroadcastChannel, CryptoKey storage,
// popups and cookies are other code in each engine; these journeys are where a user meets them.

import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { test as base, expect } from '@playwright/test'
import { build } from 'esbuild'
import { listen, stop } from '../playground/server/http.js'
import {
  type Engine,
  type EngineName,
  launchEngine,
  type Tab,
  waitUntil,
} from './engines/driver.js'
import {
  API,
  apiRequests,
  ISSUER,
  refreshTokenActive,
  resetPlaygroundConfig,
  type StoredSession,
  setAuthServerConfig,
  tokenRequests,
} from './playground.js'

/** The harness's origin; playwright.config.ts lets the playground accept it. */
const HARNESS = 'http://localhost:5193'
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

async function serveHarness(): Promise<Server> {
  const [html, built] = await Promise.all([
    readFile(here('engines/harness.html'), 'utf8'),
    build({
      entryPoints: [here('engines/harness.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'warning',
    }),
  ])
  const script = built.outputFiles[0]?.text ?? ''
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', HARNESS).pathname
    const js = path === '/harness.js'
    response.writeHead(200, {
      'content-type': js ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    })
    // /blank: a page of the origin without the SDK, to clear its storage between journeys.
    response.end(js ? script : path === '/blank' ? '<!doctype html><title>blank</title>' : html)
  })
  await listen(server, Number(new URL(HARNESS).port))
  return server
}

const test = base.extend<
  { tab: Tab; openTab: () => Promise<Tab> },
  { engine: EngineName; running: Engine; harness: Server; home: Tab }
>({
  engine: ['chromium', { option: true, scope: 'worker' }],
  running: [
    async ({ engine }, use) => {
      const running = await launchEngine(engine)
      console.log(`engine journeys in ${running.description}`)
      await use(running)
      await running.close()
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  harness: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads a fixture's dependencies from this pattern.
    async ({}, use) => {
      const server = await serveHarness()
      await use(server)
      // The engine is still open here, its window on the harness: a connection it holds would
      // keep a plain close() waiting past the fixture's timeout (seen in CI).
      await stop(server)
    },
    { scope: 'worker' },
  ],
  // The engine's first window, kept for the whole run (closing a WebDriver session's last window
  // would end it); each journey starts it on a clean origin.
  home: [async ({ running }, use) => use(await running.newTab()), { scope: 'worker' }],
  tab: async ({ home, harness }, use) => {
    void harness
    await home.goto(`${HARNESS}/blank`)
    await home.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          localStorage.clear()
          sessionStorage.clear()
          const deleting = indexedDB.deleteDatabase('latchkey')
          deleting.onsuccess = () => resolve()
          deleting.onerror = () => reject(deleting.error)
          deleting.onblocked = () => reject(new Error('the latchkey database is still open'))
        }),
    )
    await use(home)
  },
  openTab: async ({ running }, use) => {
    const opened: Tab[] = []
    await use(async () => {
      const tab = await running.newTab()
      opened.push(tab)
      return tab
    })
    for (const tab of opened) await tab.close().catch(() => {})
  },
})

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

const status = (tab: Tab) => tab.evaluate(() => window.latchkey.getState().status)

/** Opens the harness (with `query`) and waits until its SDK has settled. */
async function openHarness(tab: Tab, query = ''): Promise<void> {
  await tab.goto(`${HARNESS}/${query}`)
  await waitUntil('the harness to settle', async () =>
    tab.evaluate(() => document.getElementById('ready')?.textContent === 'ready'),
  )
}

/** At the authorization server's pages in `tab`: signs in as `user` and consents. */
async function signInAtServer(tab: Tab, user: string): Promise<void> {
  await waitUntil('the login page', async () =>
    tab.evaluate(() => document.querySelector('input[name=login]') !== null),
  )
  await tab.fill('input[name=login]', user)
  await tab.fill('input[name=password]', 'any password')
  await tab.click('button[type=submit]')
  // The consent page shows on the first sign-in of a grant only.
  const next = await waitUntil('consent or the app', async () => {
    const url = await tab.url().catch(() => '')
    if (url.startsWith(HARNESS)) return 'app'
    const consent = await tab
      .evaluate(() => document.querySelector('input[name=prompt][value=consent]') !== null)
      .catch(() => false)
    return consent ? 'consent' : undefined
  })
  if (next === 'consent') await tab.click('button[type=submit]')
}

/** A redirect sign-in from the harness's button; ends back on the harness, authenticated. */
async function signIn(tab: Tab, user: string, query = ''): Promise<void> {
  await openHarness(tab, query)
  await tab.click('#login')
  await waitUntil('the authorization server', async () => (await tab.url()).startsWith(ISSUER))
  await signInAtServer(tab, user)
  await waitUntil('the callback to sign in', async () => {
    const url = await tab.url()
    return (
      url.startsWith(HARNESS) &&
      !url.includes('/callback') &&
      (await status(tab)) === 'authenticated'
    )
  })
}

/** The SDK's persisted session and DPoP key record, read from IndexedDB without the SDK. */
async function stored(tab: Tab): Promise<{
  session?: StoredSession | undefined
  keyExtractable?: boolean
  exportRefused?: boolean
}> {
  return tab.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('latchkey')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const transaction = db.transaction('kv')
          const store = transaction.objectStore('kv')
          const all = store.getAll()
          const keys = store.getAllKeys()
          transaction.onerror = () => reject(transaction.error)
          transaction.oncomplete = () => {
            const entries = new Map(
              (keys.result as string[]).map((key, i) => [key, (all.result as unknown[])[i]]),
            )
            db.close()
            const find = (suffix: string) =>
              [...entries].find(([key]) => key.endsWith(suffix))?.[1] as
                | Record<string, unknown>
                | undefined
            const session = find(':session') as StoredSession | undefined
            const key = find(':dpop-key') as { keyPair?: CryptoKeyPair } | undefined
            const privateKey = key?.keyPair?.privateKey
            if (!privateKey) return resolve({ session })
            crypto.subtle.exportKey('pkcs8', privateKey).then(
              () =>
                resolve({ session, keyExtractable: privateKey.extractable, exportRefused: false }),
              () =>
                resolve({ session, keyExtractable: privateKey.extractable, exportRefused: true }),
            )
          }
        }
      }),
  )
}

const since = async (count: number) =>
  (await tokenRequests()).slice(count).map((r) => [r.grant_type, r.status] as const)

test('redirect sign-in: one code exchange, a DPoP-bound authFetch, a non-extractable key, no token in Web Storage', async ({
  tab,
}) => {
  const before = (await tokenRequests()).length
  await signIn(tab, `engine-signin-${Date.now()}`)
  expect(await since(before)).toEqual([['authorization_code', 200]])

  const apiBefore = (await apiRequests()).length
  const answer = await tab.evaluate(
    (url) => window.latchkey.authFetch(url).then((r) => r.status),
    `${API}/api/me`,
  )
  expect(answer).toBe(200)
  expect(
    (await apiRequests())
      .slice(apiBefore)
      .filter((r) => r.method === 'GET') // not the CORS preflight
      .map((r) => [r.path, r.scheme, r.hasDpopProof, r.status]),
  ).toEqual([['/api/me', 'DPoP', true, 200]])

  const { session, keyExtractable, exportRefused } = await stored(tab)
  expect(session?.accessToken, 'the DPoP-bound session is persisted').toEqual(expect.any(String))
  expect(keyExtractable).toBe(false)
  expect(exportRefused, 'the private key cannot be exported').toBe(true)
  const webStorage = await tab.evaluate(() =>
    [localStorage, sessionStorage].flatMap((storage) =>
      Object.keys(storage).map((key) => `${key}=${storage.getItem(key)}`),
    ),
  )
  for (const secret of [session?.accessToken, session?.refreshToken, session?.idToken]) {
    if (secret === undefined) continue
    expect(webStorage.filter((entry) => entry.includes(secret.slice(-24)))).toEqual([])
  }
})

test('a reload restores the session with no network request', async ({ tab }) => {
  await signIn(tab, `engine-reload-${Date.now()}`)
  const before = (await tokenRequests()).length
  await tab.reload()
  await waitUntil('the restored session', async () => (await status(tab)) === 'authenticated')
  const requested = await tab.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => entry.name),
  )
  expect(requested.filter((url) => url.startsWith(ISSUER) || url.startsWith(API))).toEqual([])
  expect(await since(before)).toEqual([])
})

test('a forced refresh rotates the refresh token', async ({ tab }) => {
  await signIn(tab, `engine-refresh-${Date.now()}`)
  const first = (await stored(tab)).session
  const before = (await tokenRequests()).length
  const token = await tab.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  expect(await since(before)).toEqual([['refresh_token', 200]])
  const next = (await stored(tab)).session
  expect(token).not.toBe(first?.accessToken)
  expect(next?.accessToken).toBe(token)
  expect(next?.refreshToken).toEqual(expect.any(String))
  expect(next?.refreshToken).not.toBe(first?.refreshToken)
  expect(await refreshTokenActive(first?.refreshToken as string), 'the old one is spent').toBe(
    false,
  )
})

test('two windows reading in the refresh window make exactly one refresh', async ({
  tab,
  openTab,
}) => {
  // 6 s tokens: in the refresh window 4 s after they are issued.
  await setAuthServerConfig({ accessTokenTtl: 6 })
  await signIn(tab, `engine-tabs-${Date.now()}`)
  const second = await openTab()
  await openHarness(second)
  await waitUntil(
    'the second window restored',
    async () => (await status(second)) === 'authenticated',
  )
  const expiresAt = (await tab.evaluate(() => window.latchkey.getState().expiresAt)) as number
  // Both windows read at one instant, inside the 2 s refresh leeway, not yet expired. The start
  // is a BroadcastChannel message, which a background window gets at once, where its timers
  // would be throttled (Firefox runs a background tab's timers at most once a second).
  for (const each of [tab, second]) {
    await each.evaluate(() => {
      const go = new BroadcastChannel('engines:go')
      ;(window as unknown as { reads: Promise<string[]> }).reads = new Promise((resolve) => {
        go.onmessage = () => {
          go.close()
          resolve(Promise.all(Array.from({ length: 5 }, () => window.latchkey.getAccessToken())))
        }
      })
    })
  }
  const wait = expiresAt - 1500 - Date.now()
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  const before = (await tokenRequests()).length
  await tab.evaluate(() => {
    const go = new BroadcastChannel('engines:go')
    go.postMessage('go')
    go.close()
  })
  const reads = [
    ...(await tab.evaluate(() => (window as unknown as { reads: Promise<string[]> }).reads)),
    ...(await second.evaluate(() => (window as unknown as { reads: Promise<string[]> }).reads)),
  ]
  expect(await since(before), 'one refresh for both windows').toEqual([['refresh_token', 200]])
  expect(new Set(reads).size, 'every read got the one new token').toBe(1)
  expect(await status(second)).toBe('authenticated')
})

for (const [title, query] of [
  ['popup sign-in from a real click, with the popup blocker on', '?probe-popup'],
  // The relay answers by postMessage; BroadcastChannel is only for a popup that lost its opener.
  ['popup sign-in in a browser without BroadcastChannel', '?probe-popup&no-broadcast'],
] as const) {
  test(title, async ({ tab, running }) => {
    // The blocker is on: the harness's window.open() at load, with no click, was refused.
    await openHarness(tab, query)
    if (query.includes('no-broadcast')) {
      expect(await tab.evaluate(() => typeof BroadcastChannel)).toBe('undefined')
    }
    expect(
      await tab.evaluate(() => (window as unknown as { popupBlocked: boolean }).popupBlocked),
    ).toBe(true)
    const before = (await tokenRequests()).length
    await tab.click('#popup')
    const popup = await running.waitForNewTab([tab])
    await signInAtServer(popup, `engine-popup-${Date.now()}`)
    await waitUntil('the popup sign-in', async () =>
      tab.evaluate(() => document.getElementById('popup-result')?.textContent === 'signed in'),
    )
    expect(await status(tab)).toBe('authenticated')
    expect(await tab.url(), 'the page stayed where it was').toBe(`${HARNESS}/${query}`)
    expect(await since(before)).toEqual([['authorization_code', 200]])
  })
}

test('logout revokes the refresh token and ends the session at the server', async ({ tab }) => {
  await signIn(tab, `engine-logout-${Date.now()}`)
  const refreshToken = (await stored(tab)).session?.refreshToken as string
  expect(await refreshTokenActive(refreshToken)).toBe(true)
  await tab.click('#logout')
  // The end-session endpoint asks to confirm (the playground's server, as oidc-provider does).
  await waitUntil('the end-session page', async () => (await tab.url()).startsWith(ISSUER))
  await waitUntil('its confirmation', async () =>
    tab.evaluate(
      () => document.querySelector('button[name=logout][value=yes], button[autofocus]') !== null,
    ),
  )
  await tab.click('button[autofocus]')
  await waitUntil('signed out', async () => {
    const url = await tab.url()
    return url === `${HARNESS}/` && (await status(tab)) === 'unauthenticated'
  })
  expect(await refreshTokenActive(refreshToken), 'revoked at the server').toBe(false)
  // (WebDriver returns a value left undefined as null.)
  expect((await stored(tab)).session ?? undefined, 'nothing left in IndexedDB').toBeUndefined()
})

test('without Web Locks: sign-in, concurrent reads make one refresh, a reload restores', async ({
  tab,
}) => {
  await setAuthServerConfig({ accessTokenTtl: 4 })
  await signIn(tab, `engine-nolocks-${Date.now()}`, '?no-locks')
  expect(await tab.evaluate(() => 'locks' in navigator)).toBe(false)
  const expiresAt = (await tab.evaluate(() => window.latchkey.getState().expiresAt)) as number
  const before = (await tokenRequests()).length
  const reads = await tab.evaluate(
    (start) =>
      new Promise<void>((resolve) => setTimeout(resolve, start - Date.now())).then(() =>
        Promise.all(Array.from({ length: 5 }, () => window.latchkey.getAccessToken())),
      ),
    expiresAt - 1500,
  )
  expect(await since(before)).toEqual([['refresh_token', 200]])
  expect(new Set(reads).size).toBe(1)
  await tab.reload()
  await waitUntil('the restored session', async () => (await status(tab)) === 'authenticated')
  expect(await tab.evaluate(() => 'locks' in navigator)).toBe(false)
  expect(await tab.evaluate(() => window.latchkey.getAccessToken())).toBe(reads[0])
})
