// Pushed authorization requests (RFC 9126): the `par` option against servers that advertise the
// endpoint, require it or lack it; the push's DPoP proof, its errors and its events. The browser
// journeys (redirect, popup, the requiring playground) are in e2e/par.spec.ts.
import { describe, expect, it } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { AuthEvent } from '../protocol/events.js'
import { config, fakeWorld, ISSUER, rejection, settle, type WorldOptions } from './fakeWorld.js'
import { persisted } from './tabs.js'

type Server = WorldOptions['par'] | undefined
const SERVERS: Record<string, Server> = {
  advertised: 'advertised',
  required: 'required',
  absent: undefined,
}

/** Starts a login() against a server with `par`; what the browser was sent to, and the pushes. */
async function login(server: Server, options: Partial<AuthConfig> = {}) {
  const world = fakeWorld({ ...(server === undefined ? {} : { par: server }) })
  const tab = world.tab()
  const auth = createAuth({ ...config, ...persisted, ...options }, tab.platform)
  const result = await auth.login().then(
    () => undefined,
    (error: unknown) => error,
  )
  const navigated = tab.navigations.at(-1)
  return {
    world,
    tab,
    auth,
    error: result,
    url: navigated === undefined ? undefined : new URL(navigated),
  }
}

/** The query of a navigation to the authorization endpoint that carries a pushed request. */
const pushedQuery = (url: URL | undefined) => ({
  endpoint: url && `${url.origin}${url.pathname}`,
  query: url && [...url.searchParams.keys()].sort(),
})

describe('par', () => {
  describe.each([
    ['auto', undefined],
    ['auto', 'auto'],
    ['true', true],
  ] as const)('par: %s (given as %s)', (_, par) => {
    const options = par === undefined ? {} : { par }
    it.each(['advertised', 'required'])(
      'pushes the request to a server that %s it, and sends the browser with client_id and request_uri alone',
      async (name) => {
        const { world, url, error } = await login(SERVERS[name], options)
        expect(error).toBeUndefined()
        expect(world.pushed).toHaveLength(1)
        const pushed = world.pushed[0]?.params
        expect(pushed?.get('client_id')).toBe('spa')
        expect(pushed?.get('response_type')).toBe('code')
        expect(pushed?.get('redirect_uri')).toBe(config.redirectUri)
        expect(pushed?.get('code_challenge_method')).toBe('S256')
        expect(pushed?.get('state')).toEqual(expect.any(String))
        expect(pushedQuery(url)).toEqual({
          endpoint: `${ISSUER}/auth`,
          query: ['client_id', 'request_uri'],
        })
        expect(url?.searchParams.get('client_id')).toBe('spa')
        expect(url?.searchParams.get('request_uri')).toBe('urn:ietf:params:oauth:request_uri:0')
      },
    )
  })

  it("'auto' (the default) sends the request in the URL to a server without the endpoint", async () => {
    const { world, url, error } = await login(SERVERS.absent)
    expect(error).toBeUndefined()
    expect(world.pushed).toHaveLength(0)
    expect(url?.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url?.searchParams.has('request_uri')).toBe(false)
  })

  it('true fails with config_invalid naming the option against a server without the endpoint', async () => {
    const { world, tab, error, auth } = await login(SERVERS.absent, { par: true })
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/`par: true`.*no pushed_authorization_request_endpoint/),
    })
    expect(auth.getState().error?.code).toBe('config_invalid')
    expect(tab.navigations).toHaveLength(0)
    expect(world.pushed).toHaveLength(0)
  })

  it('false never pushes, even to a server that advertises the endpoint', async () => {
    const { world, url, error } = await login(SERVERS.advertised, { par: false })
    expect(error).toBeUndefined()
    expect(world.pushed).toHaveLength(0)
    expect(url?.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url?.searchParams.has('request_uri')).toBe(false)
  })

  it('false against a server that requires pushed requests fails with config_invalid naming the option', async () => {
    const { world, tab, error } = await login(SERVERS.required, { par: false })
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(/`par: false`.*requires pushed authorization requests/),
    })
    expect(tab.navigations).toHaveLength(0)
    expect(world.pushed).toHaveLength(0)
  })

  it('false against a server without the endpoint sends the request in the URL', async () => {
    const { world, url, error } = await login(SERVERS.absent, { par: false })
    expect(error).toBeUndefined()
    expect(world.pushed).toHaveLength(0)
    expect(url?.searchParams.has('state')).toBe(true)
  })

  it("'auto' against metadata that requires pushed requests and names no endpoint says so", async () => {
    const { tab, error } = await login('required-without-endpoint')
    expect(error).toMatchObject({
      code: 'discovery_failed',
      message: expect.stringMatching(/says require_pushed_authorization_requests but names no/),
    })
    expect(tab.navigations).toHaveLength(0)
  })

  it('refuses a par that is not one of its values, at sign-in', async () => {
    const { error } = await login(SERVERS.advertised, { par: 'yes' as unknown as boolean })
    expect(error).toMatchObject({
      code: 'config_invalid',
      message: 'Invalid Latchkey configuration: `par` must be "auto" or true or false (got "yes").',
    })
  })

  it('completes the sign-in with one code exchange', async () => {
    const { world, tab, auth } = await login(SERVERS.advertised)
    const result = await auth.handleRedirect(tab.callbackFor())
    expect(result).not.toBeNull()
    expect(auth.getState().status).toBe('authenticated')
    expect(world.tokenRequests.map((body) => body.get('grant_type'))).toEqual([
      'authorization_code',
    ])
  })

  it('a refusal at the endpoint is authorization_denied with the server’s error, and nothing is navigated', async () => {
    const world = fakeWorld({ par: 'advertised' })
    world.parAnswers.push(() =>
      Response.json(
        { error: 'invalid_scope', error_description: 'scope admin is not allowed' },
        { status: 400 },
      ),
    )
    const tab = world.tab()
    const auth = createAuth({ ...config, ...persisted }, tab.platform)
    const error = await rejection(auth.login())
    expect(error).toMatchObject({
      code: 'authorization_denied',
      error: 'invalid_scope',
      error_description: 'scope admin is not allowed',
      status: 400,
      message:
        'The pushed authorization request failed: the server answered 400 invalid_scope (scope admin is not allowed).',
    })
    expect(tab.navigations).toHaveLength(0)
  })

  it('a push that gets no answer is a network_error', async () => {
    const world = fakeWorld({ par: 'advertised' })
    world.parAnswers.push(() => {
      throw new TypeError('Failed to fetch')
    })
    const tab = world.tab()
    const error = await rejection(createAuth({ ...config, ...persisted }, tab.platform).login())
    expect(error.code).toBe('network_error')
  })
})

describe('par with DPoP', () => {
  it('the push carries a proof for the endpoint (binding the code, RFC 9449 section 10.1) and the dpop_jkt', async () => {
    const world = fakeWorld({ par: 'advertised', dpop: true })
    const tab = world.tab()
    const auth = createAuth({ ...config, ...persisted }, tab.platform)
    await auth.login()
    const [push] = world.pushed
    expect(push?.proof).toMatchObject({ typ: 'dpop+jwt', htm: 'POST', htu: `${ISSUER}/par` })
    expect(push?.params.get('dpop_jkt')).toEqual(expect.any(String))
    await auth.handleRedirect(tab.callbackFor())
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
    // The same key proves the code exchange.
    expect(world.tokenProofs[0]?.jwk).toEqual(push?.proof?.jwk)
  })

  it('asks again, once, with the nonce the endpoint demands', async () => {
    const world = fakeWorld({ par: 'advertised', dpop: true, tokenNonce: true })
    const tab = world.tab()
    await createAuth({ ...config, ...persisted }, tab.platform).login()
    expect(world.pushed.map((push) => [push.status, push.proof?.nonce])).toEqual([
      [400, undefined],
      [201, 'server-nonce'],
    ])
    expect(new URL(tab.navigations.at(-1) ?? '').searchParams.has('request_uri')).toBe(true)
  })

  it('sends no proof for a redirect whose key lives in this page only (IndexedDB refused it)', async () => {
    const world = fakeWorld({ par: 'advertised', dpop: true })
    const tab = world.tab()
    tab.platform.storage = {
      ...world.storage,
      set: async (key, value) => {
        if (key.endsWith(':dpop-key')) throw new DOMException('quota', 'QuotaExceededError')
        return world.storage.set(key, value)
      },
    }
    const auth = createAuth({ ...config, ...persisted }, tab.platform)
    await auth.login()
    // The callback page will have another key: the code must not be bound to this one.
    const [push] = world.pushed
    expect(push?.proof).toBeUndefined()
    expect(push?.params.has('dpop_jkt')).toBe(false)
    await auth.handleRedirect(tab.callbackFor())
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
  })
})

describe('par events', () => {
  it('reports the push as its own steps, between pkce and authorize', async () => {
    const world = fakeWorld({ par: 'advertised' })
    const tab = world.tab()
    const events: AuthEvent[] = []
    const auth = createAuth(
      { ...config, ...persisted, onEvent: (event) => events.push(event) },
      tab.platform,
    )
    await auth.login()
    await settle()
    const steps = events.map((event) => event.step)
    expect(steps.slice(steps.indexOf('pkce'))).toEqual([
      'pkce',
      'par_request',
      'par_response',
      'authorize',
    ])
    const request = events.find((event) => event.step === 'par_request')
    expect(request).toMatchObject({
      method: 'POST',
      url: `${ISSUER}/par`,
      title: expect.stringMatching(/pushed/i),
      params: { client_id: 'spa', response_type: 'code', code_challenge_method: 'S256' },
    })
    // Secrets shortened, as at the token endpoint.
    const state = world.pushed[0]?.params.get('state') as string
    expect(request?.params?.state).not.toBe(state)
    expect(request?.params?.state).toMatch(/…/)
    expect(JSON.stringify(events)).not.toContain(state)
    const response = events.find((event) => event.step === 'par_response')
    expect(response).toMatchObject({
      status: 201,
      params: { request_uri: 'urn:ietf:params:oauth:request_uri:0', expires_in: '60' },
    })
    const authorize = events.find((event) => event.step === 'authorize')
    expect(authorize?.params).toEqual({
      client_id: 'spa',
      request_uri: 'urn:ietf:params:oauth:request_uri:0',
    })
    expect(authorize?.title).toMatch(/request_uri/)
  })

  it('reports a refused push with the server’s error in its title', async () => {
    const world = fakeWorld({ par: 'advertised' })
    world.parAnswers.push(() => Response.json({ error: 'invalid_request' }, { status: 400 }))
    const tab = world.tab()
    const events: AuthEvent[] = []
    await createAuth(
      { ...config, ...persisted, onEvent: (event) => events.push(event) },
      tab.platform,
    )
      .login()
      .catch(() => undefined)
    await settle()
    const response = events.find((event) => event.step === 'par_response')
    expect(response).toMatchObject({
      status: 400,
      title: expect.stringMatching(/400.*invalid_request/),
    })
  })
})
