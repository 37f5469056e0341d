import { describe, expect, it, vi } from 'vitest'
import { API, config, fakeWorld, rejection, settle } from '../__tests__/fakeWorld.js'
import { openTab, persisted, signIn } from '../__tests__/tabs.js'
import { createAuth } from './createAuth.js'
import type { KeyValueStore } from './kv.js'

describe('refresh on read', () => {
  it('shares one refresh among concurrent calls in a tab', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.advance(250_000)
    const tokens = await Promise.all(Array.from({ length: 10 }, () => auth.getAccessToken()))
    expect(new Set(tokens)).toEqual(new Set(['at-2']))
    expect(world.refreshRequests()).toHaveLength(1)
    expect(world.refreshRequests()[0]?.get('refresh_token')).toBe('rt-1')
    expect(auth.getState()).toMatchObject({ status: 'authenticated', refreshedBy: auth.tabId })
  })

  it('honours a configured leeway', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, { refreshLeeway: 10 })
    world.advance(289_000) // 11 s left
    expect(await auth.getAccessToken()).toBe('at-1')
    world.advance(2_000)
    expect(await auth.getAccessToken()).toBe('at-2')
  })

  it('refreshes once across tabs: waiting tabs reuse the stored result', async () => {
    const world = fakeWorld()
    const first = await signIn(world)
    const others = [await openTab(world), await openTab(world), await openTab(world)]
    for (const { auth } of others) expect(auth.getState().status).toBe('authenticated')
    world.advance(250_000)
    const all = [first, ...others]
    const tokens = await Promise.all(
      all.flatMap(({ auth }) => Array.from({ length: 10 }, () => auth.getAccessToken())),
    )
    expect(new Set(tokens)).toEqual(new Set(['at-2']))
    expect(world.refreshRequests()).toHaveLength(1)
    await settle()
    for (const { auth } of all) expect(auth.getState().status).toBe('authenticated')
  })

  it('restores a persisted session on load without any request', async () => {
    const world = fakeWorld()
    await signIn(world)
    const requests = world.tokenRequests.length
    const { auth } = await openTab(world)
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'user-1' } })
    expect(await auth.getAccessToken()).toBe('at-1')
    expect(world.tokenRequests.length).toBe(requests)
  })

  it.each(['memory', 'auto'] as const)(
    'keeps Bearer sessions out of IndexedDB with storage %s',
    async (storage) => {
      const world = fakeWorld()
      await signIn(world, { storage })
      expect(await world.storage.keys()).toEqual([])
      const { auth } = await openTab(world, { storage })
      expect(auth.getState().status).toBe('unauthenticated')
    },
  )

  it('ends the session in every tab when the refresh token is refused', async () => {
    const world = fakeWorld()
    const first = await signIn(world)
    const other = await openTab(world)
    world.revokeAll()
    world.advance(250_000)
    const error = await rejection(first.auth.getAccessToken())
    expect(error).toMatchObject({ code: 'session_expired', error: 'invalid_grant' })
    expect(first.auth.getState()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'session_expired' },
    })
    await settle()
    expect(other.auth.getState()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'session_expired' },
    })
    expect(await world.storage.keys()).toEqual([])
    // No retry loop: one refused request, then signed out.
    expect((await rejection(other.auth.getAccessToken())).code).toBe('login_required')
    expect(world.refreshRequests()).toHaveLength(1)
  })

  it.each([
    [500, 'token_request_failed'],
    [503, 'token_request_failed'],
    ['network', 'network_error'],
  ] as const)(
    'keeps the session after a %s during refresh; a call after the back-off succeeds',
    async (fault, code) => {
      const world = fakeWorld()
      const { auth } = await signIn(world)
      world.advance(301_000) // expired: the old token cannot stand in
      world.faults.push(fault)
      expect((await rejection(auth.getAccessToken())).code).toBe(code)
      expect(auth.getState().status).toBe('authenticated')
      world.advance(1_000)
      expect(await auth.getAccessToken()).toBe('at-2')
      expect(world.refreshRequests()).toHaveLength(2)
    },
  )

  it('returns the still-valid token when a refresh inside the leeway fails transiently', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.advance(250_000)
    world.faults.push(500)
    expect(await auth.getAccessToken()).toBe('at-1')
  })

  it('ends the session when a refreshed ID token names another user', async () => {
    const world = fakeWorld({ refreshSub: 'someone-else' })
    const { auth } = await signIn(world)
    world.advance(301_000)
    expect((await rejection(auth.getAccessToken())).code).toBe('session_expired')
    expect(auth.getState().status).toBe('unauthenticated')
  })

  it('forceRefresh refreshes at once', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe('at-2')
  })
})

describe('authFetch with refresh', () => {
  it('retries a 401 invalid_token once with a refreshed token', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.apiAnswers.push(
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        }),
    )
    const response = await auth.authFetch(`${API}/me`)
    expect(response.status).toBe(200)
    expect(world.api.map((call) => call.authorization)).toEqual(['Bearer at-1', 'Bearer at-2'])
    expect(world.refreshRequests()).toHaveLength(1)
  })

  it('reuses another tab’s refresh instead of spending the refresh token again', async () => {
    const world = fakeWorld()
    const first = await signIn(world)
    // A tab that misses the broadcast (no BroadcastChannel) still holds at-1 in memory.
    const tab = world.tab()
    tab.platform.openChannel = () => null
    const second = { auth: createAuth({ ...config, ...persisted }, tab.platform) }
    expect(await second.auth.getAccessToken()).toBe('at-1')
    world.advance(250_000)
    expect(await first.auth.getAccessToken()).toBe('at-2')
    // The API rejects the second tab's at-1.
    world.apiAnswers.push(
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        }),
    )
    world.advance(-250_000) // as if at-1 looked fresh to the second tab
    const response = await second.auth.authFetch(`${API}/me`)
    expect(response.status).toBe(200)
    expect(world.api.at(-1)?.authorization).toBe('Bearer at-2')
    expect(world.refreshRequests()).toHaveLength(1)
  })
})

describe('tabs and logout', () => {
  it('logs every tab out, revokes the refresh token and clears storage', async () => {
    const world = fakeWorld()
    const first = await signIn(world)
    const second = await openTab(world)
    await first.auth.logout()
    await settle()
    expect(second.auth.getState().status).toBe('unauthenticated')
    expect(world.revoked).toEqual(['rt-1'])
    expect(await world.storage.keys()).toEqual([])
  })

  it('a logout racing another tab’s refresh revokes the newest refresh token and leaves nothing', async () => {
    const world = fakeWorld()
    const first = await signIn(world)
    const second = await openTab(world)
    world.advance(250_000)
    const refreshing = first.auth.getAccessToken()
    const loggingOut = second.auth.logout({ localOnly: true })
    expect(await refreshing).toBe('at-2')
    await loggingOut
    await settle()
    expect(world.revoked).toEqual(['rt-2'])
    expect(await world.storage.keys()).toEqual([])
    expect(first.auth.getState().status).toBe('unauthenticated')
  })

  it('tells other tabs of a sign-in and a refresh', async () => {
    const world = fakeWorld()
    const watcher = await openTab(world)
    expect(watcher.auth.getState().status).toBe('unauthenticated')
    const { auth } = await signIn(world)
    await settle()
    expect(watcher.auth.getState().status).toBe('authenticated')
    world.advance(250_000)
    await auth.getAccessToken()
    await settle()
    expect(watcher.auth.getState().refreshedBy).toBe(auth.tabId)
  })
})

describe('proactive refresh timer', () => {
  it('refreshes before expiry while visible, and waits while hidden', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, { autoRefresh: true })
    world.setVisible(false)
    world.advance(241_000) // the timer fires but the page is hidden
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(world.refreshRequests()).toHaveLength(0)
    world.setVisible(true) // becoming visible catches up
    await vi.waitFor(() => expect(world.refreshRequests()).toHaveLength(1))
    await vi.waitFor(() => expect(auth.getState().refreshedBy).toBe(auth.tabId))
  })

  it('refreshes from the timer alone when the page stays visible', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, { autoRefresh: true })
    world.advance(241_000)
    await vi.waitFor(() => expect(world.refreshRequests()).toHaveLength(1))
    await vi.waitFor(() => expect(auth.getState().refreshedBy).toBe(auth.tabId))
  })
})

describe('storage failures', () => {
  function brokenStorage(): KeyValueStore {
    const fail = async () => {
      throw new DOMException('The user denied permission to access the database.', 'SecurityError')
    }
    return { get: fail, set: fail, del: fail, keys: fail }
  }

  it('signs in from memory when IndexedDB throws, and reports storage_unavailable once', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    tab.platform.storage = brokenStorage()
    const auth = createAuth({ ...config, ...persisted }, tab.platform)
    await auth.login()
    expect(await auth.handleRedirect(tab.callbackFor())).toEqual({ returnTo: '/' })
    expect(auth.getState()).toMatchObject({
      status: 'authenticated',
      error: { code: 'storage_unavailable' },
    })
    expect(await auth.getAccessToken()).toBe('at-1')
    expect(tab.warnings.filter((w) => w.includes('storage_unavailable'))).toHaveLength(1)
  })

  it('discards a corrupt stored session and reports it', async () => {
    const world = fakeWorld()
    await world.storage.set(`latchkey:${config.issuer}/:spa:session`, { accessToken: 42 })
    const { tab, auth } = await openTab(world)
    expect(auth.getState()).toMatchObject({
      status: 'unauthenticated',
      error: { code: 'storage_unavailable' },
    })
    expect(tab.warnings).toHaveLength(1)
    expect(await world.storage.keys()).toEqual([])
  })
})
