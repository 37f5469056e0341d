// Sessions are never lost or mixed up: races between tabs, refresh failures, DPoP keys, logout.
import { describe, expect, it } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { KeyValueStore } from '../first/kv.js'
import type { Session } from '../first/session.js'
import { API, config, fakeWorld, rejection, settle } from './fakeWorld.js'
import { openTab, persisted, signIn, type World } from './tabs.js'

const SESSION = `latchkey:${config.issuer}/:spa:session`
const KEY = `latchkey:${config.issuer}/:spa:dpop-key`

const storedSession = (world: World) => world.storage.get<Session>(SESSION)

/** `world.storage`, except that reading the DPoP key fails `times` times, as Safari's does. */
function flakyKeyReads(world: World, times: number): KeyValueStore {
  let left = times
  const fail = () => {
    throw new DOMException('Connection to Indexed Database server lost.', 'UnknownError')
  }
  return {
    ...world.storage,
    get: async (key) => {
      if (key === KEY && left-- > 0) fail()
      return world.storage.get(key)
    },
    // The first read on load gets the key with the session.
    getMany: async (keys) => {
      if (keys.includes(KEY) && left-- > 0) fail()
      return Promise.all(keys.map((key) => world.storage.get(key)))
    },
  }
}

describe('sign-in racing a refresh in another tab', () => {
  async function race(world: World, noWebLocks: boolean) {
    const a = await signIn(world)
    world.advance(250_000)
    const releaseRefresh = world.hold()
    const refreshing = a.auth.getAccessToken()
    await settle()
    expect(world.refreshRequests()).toHaveLength(1) // sent, its answer held back

    world.options.codeSub = 'user-2'
    const tab = world.tab()
    if (noWebLocks) {
      for (const platform of [a.tab.platform, tab.platform]) platform.withLock = (_, task) => task()
    }
    const b = createAuth({ ...config, ...persisted }, tab.platform)
    await b.login()
    const signingIn = b.handleRedirect(tab.callbackFor())
    await settle()
    releaseRefresh()
    await Promise.all([refreshing, signingIn])
    await settle()
    return { a: a.auth, b }
  }

  it('keeps the new sign-in: saving it waits for the refresh lock', async () => {
    const world = fakeWorld()
    const { a, b } = await race(world, false)
    expect((await storedSession(world))?.user?.sub).toBe('user-2')
    expect(b.getState().user?.sub).toBe('user-2')
    expect(a.getState().user?.sub).toBe('user-2')
  })

  it('keeps the new sign-in without Web Locks: a refresh does not save over a changed session', async () => {
    const world = fakeWorld()
    const { a, b } = await race(world, true)
    expect((await storedSession(world))?.user?.sub).toBe('user-2')
    expect(b.getState().user?.sub).toBe('user-2')
    expect(a.getState().user?.sub).toBe('user-2')
  })
})

describe('a refresh that fails after the server rotated the refresh token', () => {
  it('ends the session cleanly and never sends the spent refresh token again', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    const other = await openTab(world)
    world.advance(250_000) // in the leeway: the old access token still works
    world.options.refreshIdTokenAud = 'another-client'
    const error = await rejection(auth.getAccessToken())
    expect(error).toMatchObject({ code: 'session_expired', cause: { code: 'id_token_invalid' } })
    expect(auth.getState()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'session_expired' },
    })
    await settle()
    expect(other.auth.getState().status).toBe('unauthenticated')
    expect((await rejection(auth.getAccessToken())).code).toBe('login_required')
    expect((await rejection(other.auth.getAccessToken())).code).toBe('login_required')
    expect(world.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['rt-1'])
    expect(await storedSession(world)).toBeUndefined()
  })

  it('keeps the rotated refresh token when the device clock is 45 s slow', async () => {
    const world = fakeWorld({ iatOffset: 45 })
    const { auth } = await signIn(world)
    expect(auth.getState().status).toBe('authenticated')
    world.advance(250_000)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect((await storedSession(world))?.refreshToken).toBe('rt-2')
  })
})

describe('clockTolerance', () => {
  it('refuses an ID token issued beyond the configured tolerance', async () => {
    const world = fakeWorld({ iatOffset: 45 })
    const tab = world.tab()
    const auth = createAuth({ ...config, clockTolerance: 30 }, tab.platform)
    await auth.login()
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error).toMatchObject({ code: 'id_token_invalid', message: /clockTolerance/ })
  })

  it('is checked like the other numeric options', () => {
    expect(() => createAuth({ ...config, clockTolerance: -1 })).toThrow(/clockTolerance/)
  })
})

describe('login({ maxAge })', () => {
  async function signInWith(world: World, maxAge: number) {
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login({ maxAge })
    expect(new URL(tab.navigations[0] as string).searchParams.get('max_age')).toBe(String(maxAge))
    return { auth, result: auth.handleRedirect(tab.callbackFor()) }
  }

  it('accepts an ID token whose auth_time is recent enough', async () => {
    const { auth, result } = await signInWith(fakeWorld({ authAge: 100 }), 300)
    await result
    expect(auth.getState().status).toBe('authenticated')
  })

  it('refuses an ID token whose auth_time is older than maxAge plus the clock tolerance', async () => {
    const { auth, result } = await signInWith(fakeWorld({ authAge: 600 }), 300)
    expect((await rejection(result)).code).toBe('id_token_invalid')
    expect(auth.getState().status).toBe('error')
  })

  it.each([[-1], [1.5], [Number.NaN]])('refuses maxAge %s before navigating', async (maxAge) => {
    const tab = fakeWorld().tab()
    const auth = createAuth(config, tab.platform)
    expect((await rejection(auth.login({ maxAge }))).code).toBe('invalid_argument')
    expect(tab.navigations).toEqual([])
  })

  it('refuses max_age in params: it would go unchecked', async () => {
    const tab = fakeWorld().tab()
    const auth = createAuth(config, tab.platform)
    const error = await rejection(auth.login({ params: { max_age: '0' } }))
    expect(error).toMatchObject({ code: 'invalid_argument', message: /max_age/ })
    expect(tab.navigations).toEqual([])
  })
})

describe('the DPoP key of a bound session', () => {
  const dpop: Partial<AuthConfig> = { storage: 'auto' }

  it('survives a one-off IndexedDB read failure: same key, session kept', async () => {
    const world = fakeWorld({ dpop: true })
    await signIn(world, dpop)
    const key = world.tokenProofs[0]?.jwk
    const other = await openTab(world, dpop, flakyKeyReads(world, 1))
    world.advance(250_000)
    expect(await other.auth.getAccessToken()).toBe('at-2')
    expect(world.tokenProofs.at(-1)?.jwk).toEqual(key)
    expect(await storedSession(world)).toMatchObject({ accessToken: 'at-2' })
  })

  it('is never replaced by a new key when IndexedDB keeps failing: the call fails, the session stays', async () => {
    const world = fakeWorld({ dpop: true })
    const first = await signIn(world, dpop)
    const other = await openTab(world, dpop, flakyKeyReads(world, Number.POSITIVE_INFINITY))
    world.advance(250_000)
    expect((await rejection(other.auth.authFetch(`${API}/me`))).code).toBe('storage_unavailable')
    world.advance(60_000) // expired: only a refresh helps
    expect((await rejection(other.auth.getAccessToken())).code).toBe('storage_unavailable')
    expect(world.refreshRequests()).toHaveLength(0)
    expect(world.api).toHaveLength(0)
    expect(await storedSession(world)).toMatchObject({ accessToken: 'at-1' })
    expect(await first.auth.getAccessToken()).toBe('at-2')
    expect(world.tokenProofs.at(-1)?.jwk).toEqual(world.tokenProofs[0]?.jwk)
  })

  it('is not deleted by a logout in another tab while a sign-in binds tokens to it', async () => {
    const world = fakeWorld({ dpop: true })
    const a = await signIn(world, dpop)
    const tab = world.tab()
    const b = createAuth({ ...config, ...persisted, ...dpop }, tab.platform)
    await b.login()
    const release = world.hold()
    const signingIn = b.handleRedirect(tab.callbackFor())
    await settle()
    const loggingOut = a.auth.logout({ localOnly: true })
    await settle()
    release()
    await Promise.all([signingIn, loggingOut])
    await settle()
    // The logout came after the sign-in had started binding: it signs that session out too,
    // rather than leave it stored without its key.
    expect(await storedSession(world)).toBeUndefined()
    expect(await world.storage.get(KEY)).toBeUndefined()
    expect(b.getState().status).toBe('unauthenticated')
    expect(world.revoked).toEqual(['rt-2'])
  })

  it('ends a session whose key is gone instead of signing with another key', async () => {
    const world = fakeWorld({ dpop: true })
    await signIn(world, dpop)
    await world.storage.del(KEY)
    const other = await openTab(world, dpop)
    expect((await rejection(other.auth.authFetch(`${API}/me`))).code).toBe('session_expired')
    expect(other.auth.getState().status).toBe('unauthenticated')
    expect(world.api).toHaveLength(0)
    expect(await storedSession(world)).toBeUndefined()
  })
})

describe('short-lived access tokens', () => {
  it('make one refresh per token lifetime, however many tabs read', async () => {
    const world = fakeWorld({ expiresIn: 30 }) // shorter than the 60 s leeway
    const tabs = [await signIn(world), await openTab(world), await openTab(world)]
    const readAll = () =>
      Promise.all(
        tabs.flatMap(({ auth }) => Array.from({ length: 5 }, () => auth.getAccessToken())),
      )
    await readAll()
    expect(world.refreshRequests()).toHaveLength(0)
    world.advance(16_000) // past half the lifetime
    await readAll()
    await settle()
    await readAll()
    expect(world.refreshRequests()).toHaveLength(1)
  })

  it('schedule the proactive refresh at half their lifetime, not every second', async () => {
    const world = fakeWorld({ expiresIn: 30 })
    await signIn(world, { autoRefresh: true })
    for (let second = 0; second < 40; second++) {
      world.advance(1_000)
      await settle()
    }
    expect(world.refreshRequests()).toHaveLength(2) // at about 15 s and 30 s
  })
})

describe('refresh failures', () => {
  it.each([
    [401, 'invalid_client'],
    [400, 'unauthorized_client'],
    [400, 'invalid_scope'],
  ])('end the session on %s %s, in every tab, with no further request', async (status, code) => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    const other = await openTab(world)
    world.advance(301_000)
    world.faults.push({ status, error: code })
    const error = await rejection(auth.getAccessToken())
    expect(error).toMatchObject({ code: 'session_expired', error: code, status })
    await settle()
    for (const tab of [auth, other.auth]) {
      expect(tab.getState()).toMatchObject({ status: 'unauthenticated' })
      expect((await rejection(tab.getAccessToken())).code).toBe('login_required')
    }
    expect(world.refreshRequests()).toHaveLength(1)
  })

  it('keep the session on invalid_dpop_proof and say what to check', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world, { storage: 'auto' })
    world.advance(301_000)
    world.faults.push({ status: 400, error: 'invalid_dpop_proof' })
    const error = await rejection(auth.getAccessToken())
    expect(error).toMatchObject({ error: 'invalid_dpop_proof', message: /clock/ })
    expect(auth.getState().status).toBe('authenticated')
    expect(await storedSession(world)).toMatchObject({ refreshToken: 'rt-1' })
    world.advance(1_000)
    expect(await auth.getAccessToken()).toBe('at-2')
  })

  it('back off when transient: 1 s, then 2 s, not one request per read', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.advance(301_000)
    world.faults.push(503, 503)
    const readFive = async () => {
      for (let i = 0; i < 5; i++) await auth.getAccessToken().catch(() => undefined)
    }
    await readFive()
    expect(world.refreshRequests()).toHaveLength(1)
    world.advance(1_000)
    await readFive()
    expect(world.refreshRequests()).toHaveLength(2)
    world.advance(1_000)
    await readFive()
    expect(world.refreshRequests()).toHaveLength(2) // the second back-off is 2 s
    world.advance(1_000)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.refreshRequests()).toHaveLength(3)
    expect(auth.getState().status).toBe('authenticated')
  })
})

describe('a DPoP nonce the page cannot read', () => {
  it('fails the token request with what to fix instead of a doomed retry', async () => {
    const world = fakeWorld({ dpop: true })
    const tab = world.tab()
    const auth = createAuth({ ...config, ...persisted }, tab.platform)
    await auth.login()
    world.faults.push({ status: 400, error: 'use_dpop_nonce' }) // no DPoP-Nonce header exposed
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error).toMatchObject({ code: 'network_error', error: 'use_dpop_nonce', status: 400 })
    expect(error.message).toMatch(/Access-Control-Expose-Headers: DPoP-Nonce/)
    expect(world.tokenRequests).toHaveLength(1)
  })
})

describe('logout()', () => {
  it('has the revocation on its way, and kept alive, before the state says signed out', async () => {
    const world = fakeWorld()
    const { tab, auth } = await signIn(world)
    const sent: RequestInit[] = []
    const fetch = tab.platform.fetch
    tab.platform.fetch = (input, init) => {
      if (String(input).endsWith('/revoke')) sent.push(init ?? {})
      return fetch(input, init)
    }
    let revokedWhenSignedOut: number | undefined
    auth.subscribe((state) => {
      if (state.status === 'unauthenticated') revokedWhenSignedOut ??= sent.length
    })
    await auth.logout({ localOnly: true })
    expect(revokedWhenSignedOut).toBe(1)
    expect(sent[0]?.keepalive).toBe(true)
    expect(world.revoked).toEqual(['rt-1'])
  })
})

describe('a failed read of the stored session', () => {
  /** `world.storage`, except that reading the session fails while `reads.failing` is set. */
  function flakySessionReads(world: World) {
    const reads = { failing: false }
    const storage: KeyValueStore = {
      ...world.storage,
      get: async (key) => {
        if (key === SESSION && reads.failing) {
          throw new DOMException('Connection to Indexed Database server lost.', 'UnknownError')
        }
        return world.storage.get(key)
      },
    }
    return { storage, reads }
  }

  /** Tab A refreshes (rt-1 is spent) while tab B cannot read what A stored. */
  async function rotatedUnseen(world: World) {
    const a = await signIn(world)
    const flaky = flakySessionReads(world)
    const b = await openTab(world, {}, flaky.storage)
    world.advance(250_000) // in the leeway
    flaky.reads.failing = true
    expect(await a.auth.getAccessToken()).toBe('at-2')
    await settle() // B hears of the refresh, and fails to read it
    return { a: a.auth, b: b.auth, reads: flaky.reads }
  }

  it('does not leave the tab on a copy another tab rotated: it reads storage again', async () => {
    const world = fakeWorld()
    const { a, b, reads } = await rotatedUnseen(world)
    reads.failing = false
    expect(await b.getAccessToken()).toBe('at-2')
    expect(world.refreshRequests().map((body) => body.get('refresh_token'))).toEqual(['rt-1'])
    // Nor does it keep the tab in memory for good: its next refresh is stored for the others.
    world.advance(250_000)
    expect(await b.getAccessToken()).toBe('at-3')
    expect(await storedSession(world)).toMatchObject({ accessToken: 'at-3', refreshToken: 'rt-3' })
    expect(await a.getAccessToken()).toBe('at-3')
    expect(world.refreshRequests()).toHaveLength(2)
  })

  it('fails a refresh, keeping the session, instead of spending a refresh token it could not check', async () => {
    const world = fakeWorld()
    const { a, b, reads } = await rotatedUnseen(world)
    const error = await rejection(b.getAccessToken())
    expect(error).toMatchObject({ code: 'storage_unavailable', message: /could not be read/ })
    expect(b.getState().status).toBe('authenticated')
    expect(world.refreshRequests()).toHaveLength(1)
    reads.failing = false
    expect(await b.getAccessToken()).toBe('at-2')
    expect(a.getState().status).toBe('authenticated')
    expect(await storedSession(world)).toMatchObject({ refreshToken: 'rt-2' })
  })
})

describe('the back-off after transient refresh failures', () => {
  /** Signed in, the token expired, three refreshes failed offline: the next try is 4 s away. */
  async function backedOff(world: World) {
    const { auth } = await signIn(world)
    world.advance(301_000)
    world.faults.push('network', 'network', 'network')
    for (const wait of [0, 1_000, 2_000]) {
      world.advance(wait)
      expect((await rejection(auth.getAccessToken())).code).toBe('network_error')
    }
    expect((await rejection(auth.getAccessToken())).code).toBe('network_error')
    expect(world.refreshRequests()).toHaveLength(3)
    return auth
  }

  it('ends when the browser reports the network is back', async () => {
    const world = fakeWorld()
    const auth = await backedOff(world)
    world.goOnline()
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.refreshRequests()).toHaveLength(4)
    expect(auth.getState().status).toBe('authenticated')
  })

  it('ends when the page is shown again', async () => {
    const world = fakeWorld()
    const auth = await backedOff(world)
    world.setVisible(false)
    world.setVisible(true)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.refreshRequests()).toHaveLength(4)
  })

  it('starts again at 1 s when the network is back but the server is still unreachable', async () => {
    const world = fakeWorld()
    const auth = await backedOff(world)
    world.goOnline()
    world.faults.push('network')
    expect((await rejection(auth.getAccessToken())).code).toBe('network_error')
    await rejection(auth.getAccessToken())
    expect(world.refreshRequests()).toHaveLength(4)
    world.advance(1_000)
    expect(await auth.getAccessToken()).toBe('at-2')
  })
})
