// Tokens per API (the `apis` option, RFC 8707): each API gets a token for its own resource, from
// the session's one refresh token, across tabs without spending a refresh token twice.
import { describe, expect, it } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { Session } from '../first/session.js'
import { API, config, fakeWorld, REPORTS, rejection, settle } from './fakeWorld.js'
import { openTab, signIn, type World } from './tabs.js'

const SESSION = `latchkey:${config.issuer}/:spa:session`

const withApis: Partial<AuthConfig> = {
  resource: API,
  apis: [{ origin: REPORTS, resource: REPORTS, scope: 'reports:read' }],
}

/** The resource (and scope) of each refresh request so far. */
const refreshes = (world: World) =>
  world.refreshRequests().map((body) => [body.get('resource'), body.get('scope')])

/** The `Authorization` header each call to `origin` was sent with. */
const sentTo = (world: World, origin: string) =>
  world.api.filter((call) => call.url.startsWith(origin)).map((call) => call.authorization)

describe('apis: a token per API', () => {
  it('asks for every resource and the union of the scopes at sign-in', async () => {
    const world = fakeWorld()
    const { tab } = await signIn(world, {
      ...withApis,
      scope: 'openid offline_access api:read',
      apis: [
        { origin: REPORTS, resource: REPORTS, scope: 'reports:read api:read' },
        { origin: 'https://graph.example.com', scope: 'graph:read' },
      ],
    })
    const params = world.authorizationParams(new URL(tab.navigations.at(-1) as string))
    expect(params.getAll('resource')).toEqual([API, REPORTS])
    expect(params.get('scope')).toBe('openid offline_access api:read reports:read graph:read')
    // The code exchange asks for the main token's resource only.
    expect(world.tokenRequests.at(-1)?.getAll('resource')).toEqual([API])
  })

  it('sends each API its own token: the main one to apiOrigins, a refreshed one for the resource to the entry', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    const main = await auth.getAccessToken()

    expect((await auth.authFetch(`${API}/me`)).status).toBe(200)
    expect((await auth.authFetch(`${REPORTS}/summary`)).status).toBe(200)
    expect((await auth.authFetch(`${REPORTS}/detail`)).status).toBe(200)

    expect(refreshes(world)).toEqual([[REPORTS, 'reports:read']])
    const reports = await auth.getAccessToken({ api: REPORTS })
    expect(reports).not.toBe(main)
    expect(sentTo(world, API)).toEqual([`Bearer ${main}`])
    expect(sentTo(world, REPORTS)).toEqual([`Bearer ${reports}`, `Bearer ${reports}`])
    // The main token and the state are the sign-in's: the reports grant only rotated the refresh token.
    expect(await auth.getAccessToken()).toBe(main)
    const stored = await world.storage.get<Session>(SESSION)
    expect(stored?.accessToken).toBe(main)
    expect(stored?.apis?.[REPORTS]?.accessToken).toBe(reports)
    expect(stored?.refreshToken).toBe('rt-2')
  })

  it('finds an entry by its resource too, and refuses an api it does not know', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, {
      apis: [{ origin: REPORTS, resource: 'urn:example:reports', scope: 'reports:read' }],
    })
    const byResource = await auth.getAccessToken({ api: 'urn:example:reports' })
    expect(await auth.getAccessToken({ api: REPORTS })).toBe(byResource)
    const error = await rejection(auth.getAccessToken({ api: 'https://other.example.com' }))
    expect(error.code).toBe('invalid_argument')
    expect(error.message).toContain(REPORTS)
    expect(refreshes(world)).toEqual([['urn:example:reports', 'reports:read']])
  })

  it('refreshes an API token when due, and on forceRefresh, keeping the other tokens', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    world.advance(200_000)
    const reports = await auth.getAccessToken({ api: REPORTS })
    world.advance(50_000) // the main token is due, the reports token (got 50 s ago) is not
    const main = await auth.getAccessToken()
    expect(await auth.getAccessToken({ api: REPORTS })).toBe(reports)
    const forced = await auth.getAccessToken({ api: REPORTS, forceRefresh: true })
    expect(forced).not.toBe(reports)
    expect(await auth.getAccessToken()).toBe(main)
    world.advance(250_000) // the reports token is due now
    const due = await auth.getAccessToken({ api: REPORTS })
    expect(due).not.toBe(forced)
    expect(refreshes(world)).toEqual([
      [REPORTS, 'reports:read'],
      [API, null],
      [REPORTS, 'reports:read'],
      [REPORTS, 'reports:read'],
    ])
    const stored = await world.storage.get<Session>(SESSION)
    expect(stored?.apis?.[REPORTS]?.accessToken).toBe(due)
  })

  it('gets a new API token once when the API says invalid_token, and sends the call again', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    const main = await auth.getAccessToken()
    const first = await auth.getAccessToken({ api: REPORTS })
    world.apiAnswers.push(
      () =>
        new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
        }),
    )
    expect((await auth.authFetch(`${REPORTS}/summary`)).status).toBe(200)
    const second = await auth.getAccessToken({ api: REPORTS })
    expect(sentTo(world, REPORTS)).toEqual([`Bearer ${first}`, `Bearer ${second}`])
    expect(refreshes(world)).toHaveLength(2)
    expect(await auth.getAccessToken()).toBe(main)
  })

  it('binds an API token to the session DPoP key', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world, withApis)
    await auth.authFetch(`${REPORTS}/summary`)
    const call = world.api.at(-1)
    expect(call?.authorization).toMatch(/^DPoP at-/)
    expect(call?.proof?.htu).toBe(`${REPORTS}/summary`)
    const codeProof = world.tokenProofs[0]
    expect(world.tokenProofs.at(-1)?.jwk).toEqual(codeProof?.jwk)
    expect(call?.proof?.jwk).toEqual(codeProof?.jwk)
  })

  it('returns a fresh token of one API without waiting for another API refresh', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, {
      ...withApis,
      apis: [
        { origin: REPORTS, resource: REPORTS },
        { origin: 'https://graph.example.com', resource: 'https://graph.example.com' },
      ],
    })
    const reports = await auth.getAccessToken({ api: REPORTS })
    const release = world.hold()
    let graphDone = false
    const graph = auth
      .getAccessToken({ api: 'https://graph.example.com' })
      .then(() => (graphDone = true))
    await settle()
    expect(world.refreshRequests()).toHaveLength(2) // the graph refresh, held back
    expect(await auth.getAccessToken({ api: REPORTS })).toBe(reports)
    expect(await auth.authFetch(`${API}/me`)).toHaveProperty('status', 200)
    expect(graphDone).toBe(false)
    release()
    await graph
  })

  it('makes one refresh per API for five tabs reading both APIs at once, never reusing a refresh token', async () => {
    const world = fakeWorld()
    await signIn(world, withApis)
    const tabs = await Promise.all([0, 1, 2, 3, 4].map(() => openTab(world, withApis)))
    world.advance(250_000) // the main token is due; no tab has a reports token yet
    const statuses = await Promise.all(
      tabs.flatMap(({ auth }) =>
        Array.from({ length: 10 }, (_, i) =>
          auth.authFetch(i % 2 === 0 ? `${API}/me` : `${REPORTS}/summary`).then((r) => r.status),
        ),
      ),
    )
    expect(statuses).toEqual(Array(50).fill(200))
    expect(refreshes(world).sort()).toEqual([
      [API, null],
      [REPORTS, 'reports:read'],
    ])
    // Every refresh presented the refresh token the one before it issued.
    const presented = world.refreshRequests().map((body) => body.get('refresh_token'))
    expect(new Set(presented).size).toBe(presented.length)
    for (const { auth } of tabs) expect(auth.getState().status).toBe('authenticated')
  })

  it('restores the API tokens on reload with no token request', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world, withApis)
    await auth.authFetch(`${REPORTS}/summary`)
    const before = world.tokenRequests.length
    const reloaded = await openTab(world, withApis)
    await reloaded.auth.authFetch(`${REPORTS}/summary`)
    await reloaded.auth.authFetch(`${API}/me`)
    expect(world.tokenRequests).toHaveLength(before)
    const [, second] = sentTo(world, REPORTS)
    expect(second).toBe(sentTo(world, REPORTS)[0])
  })

  it('revokes the one refresh token at logout, the one the last API grant rotated to', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    await auth.getAccessToken({ api: REPORTS })
    await auth.logout({ localOnly: true })
    expect(world.revoked).toEqual(['rt-2'])
    expect(await world.storage.get(SESSION)).toBeUndefined()
    expect((await rejection(auth.getAccessToken({ api: REPORTS }))).code).toBe('login_required')
  })
})

describe('apis: servers that cannot do it', () => {
  it('names the entry when the server refuses its resource (invalid_target), and keeps the session', async () => {
    const world = fakeWorld({ resources: [API] })
    const { auth } = await signIn(world, withApis)
    const error = await rejection(auth.authFetch(`${REPORTS}/summary`))
    expect(error.code).toBe('config_invalid')
    expect(error.error).toBe('invalid_target')
    expect(error.message).toContain('`apis[0]`')
    expect(world.api).toHaveLength(0)
    expect(auth.getState().status).toBe('authenticated')
    expect((await auth.authFetch(`${API}/me`)).status).toBe(200)
  })

  it('names the entry when the server ignores its resource (a JWT for another audience), keeping the rotated refresh token', async () => {
    const world = fakeWorld({ jwtAccessTokens: 'ignored' })
    const { auth } = await signIn(world, withApis)
    const error = await rejection(auth.authFetch(`${REPORTS}/summary`))
    expect(error.code).toBe('config_invalid')
    expect(error.message).toContain('ignored the `resource` of `apis[0]`')
    expect(error.message).toContain(API)
    expect(world.api).toHaveLength(0)
    // Asking again sends nothing: the server will not change its mind.
    expect((await rejection(auth.getAccessToken({ api: REPORTS }))).code).toBe('config_invalid')
    expect(world.refreshRequests()).toHaveLength(1)
    // The grant's rotated refresh token was kept: the next refresh is not a reuse.
    expect(await auth.getAccessToken({ forceRefresh: true })).toMatch(/^eyJ/)
    expect(auth.getState().status).toBe('authenticated')
  })

  it('accepts a JWT access token whose aud is the resource', async () => {
    const world = fakeWorld({ jwtAccessTokens: 'honoured' })
    const { auth } = await signIn(world, withApis)
    expect((await auth.authFetch(`${REPORTS}/summary`)).status).toBe(200)
  })

  it('says a refresh token is needed when the server issued none', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    const tab = world.tab()
    const stored = (await world.storage.get<Session>(SESSION)) as Session
    const { refreshToken: _, ...withoutRefresh } = stored
    await world.storage.set(SESSION, withoutRefresh)
    const other = createAuth(
      { ...config, storage: 'indexeddb', autoRefresh: false, ...withApis },
      tab.platform,
    )
    const error = await rejection(other.getAccessToken({ api: REPORTS }))
    expect(error.code).toBe('config_invalid')
    expect(error.message).toContain('offline_access')
    expect(other.getState().status).toBe('authenticated')
    await auth.logout({ localOnly: true })
  })
})

describe('apis: an entry added after the sign-in', () => {
  it('asks for a new sign-in instead of a refresh the grant does not cover, and works after it', async () => {
    const world = fakeWorld()
    await signIn(world, { resource: API }) // an earlier version of the app, without the entry
    const { tab, auth } = await openTab(world, withApis)
    const error = await rejection(auth.authFetch(`${REPORTS}/summary`))
    expect(error.code).toBe('login_required')
    expect(error.message).toContain('`apis[0]`')
    expect(world.refreshRequests()).toHaveLength(0)
    expect(auth.getState().status).toBe('authenticated')
    expect((await auth.authFetch(`${API}/me`)).status).toBe(200)

    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    expect((await auth.authFetch(`${REPORTS}/summary`)).status).toBe(200)
    expect(refreshes(world)).toEqual([[REPORTS, 'reports:read']])
  })

  it('counts a changed scope as a new entry', async () => {
    const world = fakeWorld()
    await signIn(world, withApis)
    const { auth } = await openTab(world, {
      ...withApis,
      apis: [{ origin: REPORTS, resource: REPORTS, scope: 'reports:read reports:write' }],
    })
    expect((await rejection(auth.getAccessToken({ api: REPORTS }))).code).toBe('login_required')
    expect(world.refreshRequests()).toHaveLength(0)
  })
})

describe('apis: configuration', () => {
  const create = (apis: unknown, extra: Partial<AuthConfig> = {}) =>
    createAuth({ ...config, ...extra, apis } as AuthConfig, fakeWorld().tab().platform)

  it('checks origins at createAuth()', () => {
    expect(() => create({})).toThrow(/`apiOrigins` and `apis` must be arrays/)
    expect(() => create([{ origin: `${REPORTS}/` }])).toThrow(
      /`apis\[0\]\.origin` must be an origin/,
    )
    expect(() => create([null])).toThrow(/`apis\[0\]\.origin` is required/)
    expect(() => create([{ origin: 'http://reports.example.com', resource: REPORTS }])).toThrow(
      /`apis\[0\]\.origin` must use https/,
    )
  })

  it('checks the rest at first use, naming the entry', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [[{ origin: REPORTS }], /`apis\[0\]` needs a `resource` or a `scope`/],
      [[{ origin: REPORTS, resource: 'reports' }], /`apis\[0\]\.resource` must be an absolute URI/],
      [
        [{ origin: REPORTS, resource: `${REPORTS}/#x` }],
        /`apis\[0\]\.resource` must be an absolute URI/,
      ],
      [[{ origin: REPORTS, resource: 7 }], /`apis\[0\]\.resource` must be an absolute URI/],
      [
        [{ origin: REPORTS, resource: `${REPORTS}/?v=1` }],
        /`apis\[0\]\.resource` must be an absolute URI without query/,
      ],
      [[{ origin: REPORTS, scope: ' ' }], /`apis\[0\]\.scope` must be a non-empty/],
      [
        [
          { origin: REPORTS, scope: 'a' },
          { origin: REPORTS, scope: 'b' },
        ],
        /`apis\[1\]\.origin` \(https:\/\/reports\.example\.com\) is also in `apiOrigins` or another entry/,
      ],
    ]
    for (const [apis, message] of cases) {
      const world = fakeWorld()
      const tab = world.tab()
      const auth = createAuth({ ...config, apis } as AuthConfig, tab.platform)
      const error = await rejection(auth.login())
      expect(error.code).toBe('config_invalid')
      expect(error.message).toMatch(message)
      expect(tab.navigations).toEqual([])
    }
    const inBoth = await rejection(
      create([{ origin: REPORTS, scope: 'a' }], { apiOrigins: [REPORTS] }).login(),
    )
    expect(inBoth.message).toMatch(/is also in `apiOrigins`/)
  })

  it('lets tokens go to the entries origins only', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world, withApis)
    const error = await rejection(auth.authFetch('https://elsewhere.example.com/x'))
    expect(error.code).toBe('origin_not_allowed')
    expect(error.message).toContain(REPORTS)
  })
})
