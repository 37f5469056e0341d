// authFetch's per-call work with a fresh token: what a benchmark measures in milliseconds, guarded
// here by counting. A call reads no storage, takes no lock, looks up no key and fetches no
// discovery document: it only signs (DPoP) and sends.
import { describe, expect, it } from 'vitest'
import type { AuthConfig } from '../config.js'
import { createAuth } from '../createAuth.js'
import type { KeyValueStore } from '../lib/kv.js'
import type { Platform } from '../platform.js'
import { API, config, fakeWorld } from './fakeWorld.js'

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
