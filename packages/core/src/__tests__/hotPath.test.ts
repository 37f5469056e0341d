// authFetch's per-call work with a fresh token: what a benchmark measures in milliseconds, guarded
// here by counting. A call reads no storage, takes no lock, looks up no key and fetches no
// discovery document: it only signs (DPoP) and sends.
import { describe, expect, it, vi } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { KeyValueStore } from '../first/kv.js'
import type { Platform } from '../first/platform.js'
import { API, APP, config, fakeWorld } from './fakeWorld.js'

/** `platform` with every storage operation, lock and request recorded in `seen`. */
function recorded(platform: Platform, seen: string[]): Platform {
  const store = (name: string, kv: KeyValueStore): KeyValueStore =>
    new Proxy(kv, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          seen.push(`${name}.${String(property)}`)
          return value.apply(target, args)
        }
      },
    })
  return {
    ...platform,
    storage: store('storage', platform.storage),
    tabStorage: store('tabStorage', platform.tabStorage),
    flags: store('flags', platform.flags),
    withLock: (name, task) => {
      seen.push(`lock ${name}`)
      return platform.withLock(name, task)
    },
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      seen.push(`fetch ${url.origin}${url.pathname}`)
      return platform.fetch(input, init)
    },
  }
}

describe.each([
  ['Bearer', false],
  ['DPoP', true],
])('authFetch with a fresh %s token', (_, dpop) => {
  it('does no storage read, lock, key lookup or discovery: one request, to the API', async () => {
    const world = fakeWorld({ dpop })
    const tab = world.tab()
    const seen: string[] = []
    const base: Partial<AuthConfig> = { apiOrigins: [API], autoRefresh: false }
    const auth = createAuth({ ...config, ...base }, recorded(tab.platform, seen))
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop })
    // Sign-in itself did store and fetch: the recording works.
    expect(seen).toContain('fetch https://id.example.com/token')
    expect(seen.some((entry) => entry.startsWith('storage.'))).toBe(true)

    seen.length = 0
    for (let call = 0; call < 3; call++) await auth.authFetch(`${API}/me`)
    await auth.getAccessToken()

    expect(seen).toEqual([`fetch ${API}/me`, `fetch ${API}/me`, `fetch ${API}/me`])
    expect(world.api.at(-1)?.authorization).toBe(`${dpop ? 'DPoP' : 'Bearer'} at-1`)
  })
})

it('after a reload, a restored DPoP session reads its session and key once, then nothing', async () => {
  const world = fakeWorld({ dpop: true })
  const first = world.tab()
  const base: Partial<AuthConfig> = { apiOrigins: [API], autoRefresh: false }
  const signedIn = createAuth({ ...config, ...base }, first.platform)
  await signedIn.login()
  await signedIn.handleRedirect(first.callbackFor())

  const seen: string[] = []
  const auth = createAuth({ ...config, ...base }, recorded(world.tab().platform, seen))
  await auth.authFetch(`${API}/me`)
  expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
  expect(seen.filter((entry) => entry.startsWith('storage.get'))).toHaveLength(2)

  seen.length = 0
  for (let call = 0; call < 3; call++) await auth.authFetch(`${API}/me`)
  expect(seen).toEqual([`fetch ${API}/me`, `fetch ${API}/me`, `fetch ${API}/me`])
  expect(world.api.at(-1)?.authorization).toBe('DPoP at-1')
})

/**
 * Runs `calls` (a browser's and Node's built-ins counted while it runs): how many URLs were parsed,
 * Requests built, and keys exported.
 */
async function counted(calls: () => Promise<void>) {
  const counts = { urls: 0, requests: 0, exports: 0 }
  const { URL: RealURL, Request: RealRequest } = globalThis
  vi.stubGlobal(
    'URL',
    class extends RealURL {
      constructor(url: string | URL, base?: string | URL) {
        super(url, base)
        counts.urls++
      }
      static override parse(url: string | URL, base?: string | URL) {
        counts.urls++
        return RealURL.parse(url, base)
      }
    },
  )
  vi.stubGlobal(
    'Request',
    class extends RealRequest {
      constructor(input: RequestInfo | URL, init?: RequestInit) {
        super(input, init)
        counts.requests++
      }
    },
  )
  const exportKey = vi.spyOn(crypto.subtle, 'exportKey')
  try {
    await calls()
  } finally {
    vi.unstubAllGlobals()
    counts.exports = exportKey.mock.calls.length
    exportKey.mockRestore()
  }
  return counts
}

describe.each([
  ['Bearer', false],
  ['DPoP', true],
])('authFetch(url) with a fresh %s token', (_, dpop) => {
  it('parses its URL and the page’s once each, builds no Request and exports no key', async () => {
    const world = fakeWorld({ dpop })
    const tab = world.tab()
    // Once signed in, the API answers in the page: what is counted is authFetch's own work.
    let answering = false
    const sent: Array<string | null> = []
    const platform: Platform = {
      ...tab.platform,
      fetch: (input, init) => {
        if (!answering) return tab.platform.fetch(input, init)
        sent.push(new Headers(init?.headers).get('authorization'))
        return Promise.resolve(new Response(null, { status: 204 }))
      },
    }
    const base: Partial<AuthConfig> = { apiOrigins: [API], autoRefresh: false }
    const auth = createAuth({ ...config, ...base }, platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    answering = true
    await auth.authFetch(`${API}/me`)

    const counts = await counted(async () => {
      for (let call = 0; call < 5; call++) await auth.authFetch(`${API}/me`)
    })
    expect(counts).toEqual({ urls: 2 * 5, requests: 0, exports: 0 })
    expect(sent).toHaveLength(6)
    expect(sent.at(-1)).toBe(`${dpop ? 'DPoP' : 'Bearer'} at-1`)
  })
})

it('authFetch() with options or a relative URL still checks and sends them as before', async () => {
  const world = fakeWorld()
  const tab = world.tab(`${APP}/account/`)
  const targets: string[] = []
  const platform: Platform = {
    ...tab.platform,
    fetch: (input, init) => {
      targets.push(String(input))
      return tab.platform.fetch(input, init)
    },
  }
  const auth = createAuth({ ...config, apiOrigins: [API], autoRefresh: false }, platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  // A GET with a body is refused before any request, as fetch() would refuse it.
  await expect(auth.authFetch(`${API}/me`, { body: 'x' })).rejects.toMatchObject({
    code: 'invalid_argument',
  })
  await auth.authFetch(`${API}/me`, { method: 'post', body: 'hello' })
  expect(world.api.at(-1)).toMatchObject({ method: 'POST', authorization: 'Bearer at-1' })
  // Resolved against the page, which is read for it.
  await auth.authFetch('orders?page=2')
  expect(targets.at(-1)).toBe(`${APP}/account/orders?page=2`)
})
