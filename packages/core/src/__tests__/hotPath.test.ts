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

/** A browser whose earlier page signed in with DPoP (session and key kept in storage). */
async function signedInBefore() {
  const world = fakeWorld({ dpop: true })
  const first = world.tab()
  const signedIn = createAuth({ ...config, ...BASE }, first.platform)
  await signedIn.login()
  await signedIn.handleRedirect(first.callbackFor())
  return world
}
const BASE: Partial<AuthConfig> = { apiOrigins: [API], autoRefresh: false }

it('a reload reads the session and its key in one storage read; the first call reads nothing more', async () => {
  const world = await signedInBefore()
  const seen: string[] = []
  const counts = await counted(async () => {
    const auth = createAuth({ ...config, ...BASE }, recorded(world.tab().platform, seen))
    await auth.authFetch(`${API}/me`)
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
  })
  expect(seen.filter((entry) => entry.startsWith('storage.'))).toEqual(['storage.getMany'])
  // The key's thumbprint is stored with it: the one export is the proof's public key, the one
  // digest the proof's hash of the access token (oauth4webapi's `ath`).
  expect(counts).toMatchObject({ exports: 1, digests: 1 })
  expect(world.api.at(-1)?.authorization).toBe('DPoP at-1')

  seen.length = 0
  const auth = createAuth({ ...config, ...BASE }, recorded(world.tab().platform, seen))
  await auth.authFetch(`${API}/me`)
  seen.length = 0
  for (let call = 0; call < 3; call++) await auth.authFetch(`${API}/me`)
  expect(seen).toEqual([`fetch ${API}/me`, `fetch ${API}/me`, `fetch ${API}/me`])
})

it('a load whose marker says nobody is signed in reads no storage at all', async () => {
  const world = await signedInBefore()
  const tab = world.tab()
  const auth = createAuth({ ...config, ...BASE }, tab.platform)
  await auth.authFetch(`${API}/me`)
  await auth.logout({ localOnly: true })

  const seen: string[] = []
  const next = createAuth({ ...config, ...BASE }, recorded(world.tab().platform, seen))
  await expect(next.getAccessToken()).rejects.toMatchObject({ code: 'login_required' })
  expect(next.getState()).toMatchObject({ status: 'unauthenticated', error: null })
  expect(seen.filter((entry) => entry.startsWith('storage.'))).toEqual([])
})

it('five tabs reloading at once each read once and share the one stored key', async () => {
  const world = await signedInBefore()
  const seen: string[] = []
  const tabs = Array.from({ length: 5 }, () =>
    createAuth({ ...config, ...BASE }, recorded(world.tab().platform, seen)),
  )
  const before = world.api.length
  await Promise.all(tabs.map((auth) => auth.authFetch(`${API}/me`)))
  expect(seen.filter((entry) => entry.startsWith('storage.'))).toEqual(
    Array(5).fill('storage.getMany'),
  )
  const calls = world.api.slice(before)
  expect(calls).toHaveLength(5)
  expect(new Set(calls.map((call) => JSON.stringify(call.proof?.jwk))).size).toBe(1)
  expect(calls.every((call) => call.authorization === 'DPoP at-1')).toBe(true)
})

it('a reload with IndexedDB failing settles signed out, says so once, and leaves no rejection', async () => {
  const world = await signedInBefore()
  const tab = world.tab()
  const failing = new Proxy(tab.platform.storage, {
    get: (target, property) =>
      typeof Reflect.get(target, property) === 'function'
        ? () => Promise.reject(new DOMException('The database is gone', 'UnknownError'))
        : Reflect.get(target, property),
  })
  const unhandled: unknown[] = []
  const record = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', record)
  try {
    const warnings: string[] = []
    const auth = createAuth(
      { ...config, ...BASE },
      { ...tab.platform, storage: failing, warn: (message) => warnings.push(message) },
    )
    await expect(auth.authFetch(`${API}/me`)).rejects.toMatchObject({ code: 'login_required' })
    expect(auth.getState()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'storage_unavailable' },
    })
    expect(warnings.filter((warning) => warning.includes('storage_unavailable'))).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', record)
  }
  expect(unhandled).toEqual([])
})

/**
 * Runs `calls` (a browser's and Node's built-ins counted while it runs): how many URLs were parsed,
 * Requests built, keys exported and digests computed.
 */
async function counted(calls: () => Promise<void>) {
  const counts = { urls: 0, requests: 0, exports: 0, digests: 0 }
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
  const digest = vi.spyOn(crypto.subtle, 'digest')
  try {
    await calls()
  } finally {
    vi.unstubAllGlobals()
    counts.exports = exportKey.mock.calls.length
    counts.digests = digest.mock.calls.length
    exportKey.mockRestore()
    digest.mockRestore()
  }
  return counts
}

describe.each([
  ['Bearer', false],
  ['DPoP', true],
])('authFetch(url) with a fresh %s token', (_, dpop) => {
  it('parses its URL once (not the page’s), builds no Request and exports no key', async () => {
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
    // A DPoP proof hashes the access token (`ath`): oauth4webapi does it per proof.
    expect(counts).toEqual({ urls: 5, requests: 0, exports: 0, digests: dpop ? 5 : 0 })
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
