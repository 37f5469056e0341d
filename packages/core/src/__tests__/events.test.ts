// The flow's events (AuthConfig.onEvent): the steps in the order of a sign-in, nothing secret in
// them whole, nothing emitted or loaded without a listener, and a listener cannot break the flow.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { Platform } from '../first/platform.js'
import { type AuthEvent, decodeJwt, inspector, shorten } from '../protocol/events.js'
import { API, config, fakeWorld, REPORTS, rejection, settle } from './fakeWorld.js'

afterEach(() => {
  vi.doUnmock('../protocol/events.js')
  vi.resetModules()
  vi.restoreAllMocks()
})

/**
 * `platform` whose fetch records every value that must not leave the SDK whole: what requests
 * carry (codes, verifiers, tokens, proofs, query values) and what token responses return.
 */
function withSecrets(platform: Platform, secrets: Set<string>): Platform {
  const add = (value: string | null | undefined) => {
    if (value) secrets.add(value.replace(/^(Bearer|DPoP) /, ''))
  }
  return {
    ...platform,
    navigate(url) {
      for (const [name, value] of new URL(url).searchParams) {
        if (['state', 'nonce', 'code_challenge', 'id_token_hint'].includes(name)) add(value)
      }
      platform.navigate(url)
    },
    async fetch(input, init) {
      const headers = new Headers(init?.headers)
      add(headers.get('authorization'))
      add(headers.get('dpop'))
      const body = new URLSearchParams(String(init?.body ?? ''))
      for (const name of ['code', 'code_verifier', 'refresh_token', 'token']) add(body.get(name))
      const response = await platform.fetch(input, init)
      if (String(input).endsWith('/token') && response.ok) {
        const tokens = await response.clone().json()
        for (const name of ['access_token', 'refresh_token', 'id_token']) add(tokens[name])
      }
      return response
    },
  }
}

async function signedInWithEvents(options: { dpop?: boolean } = {}) {
  const world = fakeWorld(options)
  const tab = world.tab()
  const events: AuthEvent[] = []
  const secrets = new Set<string>()
  const auth = createAuth(
    { ...config, apiOrigins: [API], onEvent: (event) => events.push(event) },
    withSecrets(tab.platform, secrets),
  )
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  await auth.authFetch(`${API}/me`)
  await settle()
  return { world, tab, auth, events, secrets }
}

const steps = (events: AuthEvent[]) => events.map((event) => event.step)

describe.each([
  ['Bearer', false],
  ['DPoP', true],
])('onEvent with %s tokens', (_, dpop) => {
  it('reports a sign-in and an API call step by step, in order, with titles and times', async () => {
    const { events, world } = await signedInWithEvents({ dpop })
    expect(steps(events)).toEqual([
      'discovery_request',
      'discovery_response',
      'pkce',
      'authorize',
      'server_sign_in',
      'callback',
      'token_request',
      'token_response',
      'tokens_validated',
      'api_request',
      'api_response',
    ])
    const at = (step: string) => events.find((event) => event.step === step) as AuthEvent
    expect(at('pkce').params).toMatchObject({ code_challenge_method: 'S256' })
    expect(at('authorize')).toMatchObject({
      via: 'redirect',
      method: 'GET',
      title: 'Redirect to the authorization endpoint with the challenge',
      params: { client_id: 'spa', response_type: 'code', code_challenge_method: 'S256' },
    })
    expect(at('callback').params).toMatchObject({ iss: 'https://id.example.com' })
    expect(at('token_request')).toMatchObject({
      method: 'POST',
      url: 'https://id.example.com/token',
      title: 'Code and verifier exchanged at the token endpoint',
      params: { grant_type: 'authorization_code', redirect_uri: config.redirectUri },
    })
    expect(at('token_response')).toMatchObject({ status: 200, title: 'Tokens issued' })
    expect(at('token_response').params).toMatchObject({ token_type: dpop ? 'DPoP' : 'Bearer' })
    // The ID token's header and claims, decoded; the fake's access tokens are opaque.
    expect(at('token_response').jwts?.id_token).toMatchObject({
      header: { alg: 'RS256' },
      claims: { iss: 'https://id.example.com', aud: 'spa', sub: 'user-1' },
    })
    expect(at('tokens_validated').params).toMatchObject({
      token_type: dpop ? "dpop: bound to this browser's key" : 'bearer',
      id_token_claims: 'iss, aud, exp, iat, nonce',
      sub: 'user-1',
    })
    expect(at('api_request')).toMatchObject({
      method: 'GET',
      url: `${API}/me`,
      title: `API called with the access token${dpop ? ' and a DPoP proof' : ''}`,
      params: { authorization: `${dpop ? 'DPoP' : 'Bearer'} …(4)` },
    })
    if (dpop) {
      expect(at('api_request').jwts?.dpop).toMatchObject({
        header: { typ: 'dpop+jwt', alg: 'ES256' },
        claims: { htm: 'GET', htu: `${API}/me` },
      })
      expect(at('token_request').jwts?.dpop?.claims).toMatchObject({ htm: 'POST' })
    }
    expect(at('api_response')).toMatchObject({ status: 200, title: 'API answers 200' })
    expect(at('server_sign_in').ms).toBeGreaterThanOrEqual(0)
    for (const event of events) {
      expect(event.at).toBe(world.now())
      expect(event.title).toMatch(/\w/)
    }
  })

  it('never puts a code, verifier, state, nonce, token or proof in an event whole', async () => {
    const { auth, events, secrets } = await signedInWithEvents({ dpop })
    await auth.getAccessToken({ forceRefresh: true })
    await auth.logout()
    await settle()
    expect(steps(events).slice(-5)).toEqual([
      'token_request',
      'token_response',
      'revocation_request',
      'revocation_response',
      'end_session',
    ])
    // The recording saw the real values: the code, a verifier, tokens of two grants, proofs.
    expect(secrets.size).toBeGreaterThanOrEqual(dpop ? 12 : 9)
    const text = JSON.stringify(events)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})

it("titles an apis entry's refresh with its resource (RFC 8707)", async () => {
  const world = fakeWorld()
  const tab = world.tab()
  const events: AuthEvent[] = []
  const auth = createAuth(
    {
      ...config,
      apis: [{ origin: REPORTS, resource: REPORTS, scope: 'reports:read' }],
      onEvent: (event) => events.push(event),
    },
    tab.platform,
  )
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  await settle()
  events.length = 0
  await auth.authFetch(`${REPORTS}/summary`)
  await settle()
  expect(steps(events)).toEqual(['token_request', 'token_response', 'api_request', 'api_response'])
  expect(events[0]).toMatchObject({
    title: `Refresh token exchanged for a token for ${REPORTS} (RFC 8707)`,
    params: { grant_type: 'refresh_token', resource: REPORTS, scope: 'reports:read' },
  })
})

it('reports a refresh, a revocation and the end-session redirect', async () => {
  const { auth, events } = await signedInWithEvents()
  events.length = 0
  await auth.getAccessToken({ forceRefresh: true })
  await auth.logout()
  await settle()
  expect(steps(events)).toEqual([
    'token_request',
    'token_response',
    'revocation_request',
    'revocation_response',
    'end_session',
  ])
  expect(events[0]).toMatchObject({
    title: 'Refresh token exchanged for new tokens at the token endpoint',
    params: { grant_type: 'refresh_token' },
  })
  expect(events[2]?.params).toMatchObject({ token_type_hint: 'refresh_token' })
  expect(events[4]).toMatchObject({
    title: 'Redirect to the end-session endpoint: the server session ends',
    params: { client_id: 'spa', post_logout_redirect_uri: 'https://app.example.com/' },
  })
  expect(events[4]?.params?.id_token_hint).toMatch(/^eyJ\w{3}…[\w-]{4}$/)
})

it('without onEvent, loads no event code and changes nothing', async () => {
  vi.resetModules()
  const loaded = vi.fn()
  vi.doMock('../protocol/events.js', async (original) => {
    loaded()
    return original()
  })
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld({ dpop: true })
  const tab = world.tab()
  const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  await auth.authFetch(`${API}/me`)
  await auth.logout()
  expect(loaded).not.toHaveBeenCalled()

  createAuth({ ...config, onEvent: () => undefined }, world.tab().platform)
  await settle()
  expect(loaded).toHaveBeenCalledOnce()
})

it('a listener that throws is reported and does not break the sign-in', async () => {
  const report = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  const world = fakeWorld()
  const tab = world.tab()
  const thrown = new Error('listener bug')
  const auth = createAuth(
    {
      ...config,
      onEvent: () => {
        throw thrown
      },
    },
    tab.platform,
  )
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  expect(auth.getState()).toMatchObject({ status: 'authenticated' })
  expect(report).toHaveBeenCalledWith(thrown)
})

it('a sign-in works on when the event code cannot load', async () => {
  vi.resetModules()
  vi.doMock('../protocol/events.js', () => {
    throw new TypeError('Failed to fetch dynamically imported module')
  })
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  const tab = world.tab()
  const onEvent = vi.fn()
  const auth = createAuth({ ...config, apiOrigins: [API], onEvent }, tab.platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  await auth.authFetch(`${API}/me`)
  expect(auth.getState()).toMatchObject({ status: 'authenticated' })
  expect(world.api).toHaveLength(1)
  expect(onEvent).not.toHaveBeenCalled()
})

it('refuses an onEvent that is not a function', async () => {
  const error = await rejection(
    (async () => createAuth({ ...config, onEvent: 'log' } as unknown as AuthConfig))(),
  )
  expect(error).toMatchObject({
    code: 'config_invalid',
    message: expect.stringContaining('`onEvent`'),
  })
})

describe('inspector', () => {
  const now = () => 1000
  const answer =
    (body: unknown, init: ResponseInit = {}) =>
    async () =>
      Response.json(body, init) as Response
  const METADATA_URL = 'https://id.example.com/.well-known/openid-configuration'
  /**
   * An inspector whose `respond` answers every request but discovery, once the server's metadata
   * was read (it names the token and revocation endpoints); the discovery's events are dropped.
   */
  async function discovered(events: AuthEvent[], respond: typeof globalThis.fetch) {
    const watching = inspector((event) => events.push(event), {
      fetch: async (input, init) =>
        String(input) === METADATA_URL
          ? Response.json({
              issuer: 'https://id.example.com',
              token_endpoint: 'https://id.example.com/token',
              revocation_endpoint: 'https://id.example.com/token/revocation',
            })
          : respond(input, init),
      now,
    })
    await watching.fetch(METADATA_URL)
    events.length = 0
    return watching
  }

  it('reports a request that fails without a response, and rethrows', async () => {
    const events: AuthEvent[] = []
    const failure = new TypeError('Failed to fetch')
    const { fetch } = inspector((event) => events.push(event), {
      fetch: async () => Promise.reject(failure),
      now,
    })
    await expect(fetch('https://api.example.com/x')).rejects.toBe(failure)
    expect(events).toEqual([
      expect.objectContaining({ step: 'api_request', method: 'GET' }),
      expect.objectContaining({
        step: 'api_response',
        error: 'Failed to fetch',
        title: 'API answers nothing',
      }),
    ])
  })

  it('classifies a string form body, shows Basic credentials by scheme and decodes a client assertion', async () => {
    const events: AuthEvent[] = []
    const assertion = `${btoa(JSON.stringify({ alg: 'ES256' }))}.${btoa(JSON.stringify({ iss: 'svc', aud: 'x' }))}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`
    const { fetch } = await discovered(
      events,
      answer({
        access_token: 'a-long-opaque-access-token',
        token_type: 'Bearer',
        expires_in: 300,
      }),
    )
    await fetch('https://id.example.com/token', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic c2VydmljZTpzdXBlci1zZWNyZXQ=',
      },
      body: `grant_type=client_credentials&client_assertion=${assertion}&client_secret=s3cret`,
    })
    expect(events[0]).toMatchObject({
      step: 'token_request',
      title: 'Client authenticates at the token endpoint (client credentials grant)',
      // Client secrets are masked whole: not a character of them, not even their length.
      params: {
        authorization: 'Basic [redacted]',
        client_secret: '[redacted]',
      },
      jwts: { client_assertion: { header: { alg: 'ES256' }, claims: { iss: 'svc', aud: 'x' } } },
    })
    expect(events[1]).toMatchObject({
      step: 'token_response',
      params: { access_token: 'a-long…oken', token_type: 'Bearer', expires_in: '300' },
    })
    const text = JSON.stringify(events)
    for (const secret of [
      'c2VydmljZTpzdXBlci1zZWNyZXQ=',
      's3cret',
      assertion,
      'a-long-opaque-access-token',
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  it('never changes a request or an answer it cannot read', async () => {
    const events: AuthEvent[] = []
    const sent: unknown[] = []
    const { fetch } = await discovered(events, async (input) => {
      sent.push(input)
      return new Response('null', { headers: { 'content-type': 'application/json' } })
    })
    // A relative URL cannot be classified: it is sent as it is, unreported.
    const relative = await fetch('/relative')
    expect(sent).toEqual(['/relative'])
    expect(await relative.json()).toBeNull()
    expect(events).toEqual([])
    // A token endpoint answering JSON `null`: reported without fields, the body left to the caller.
    const odd = await fetch('https://id.example.com/token', {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    })
    expect(await odd.json()).toBeNull()
    expect(events.map((event) => event.step)).toEqual(['token_request', 'token_response'])
    expect(events[1]).toMatchObject({ status: 200 })
    expect(events[1]?.params).toBeUndefined()
  })

  it('shows an OAuth error answer and a DPoP nonce challenge', async () => {
    const events: AuthEvent[] = []
    const { fetch } = await discovered(
      events,
      answer(
        { error: 'use_dpop_nonce', error_description: 'nonce required' },
        { status: 400, headers: { 'dpop-nonce': 'a-server-nonce-value-123' } },
      ),
    )
    await fetch('https://id.example.com/token', {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: 'rt-0123456789abcdef',
      }),
    })
    expect(events[0]?.params).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-012…cdef' })
    expect(events[1]).toMatchObject({
      title: 'Token endpoint answered 400: use_dpop_nonce',
      params: { error_description: 'nonce required', 'dpop-nonce': 'a-serv…-123' },
    })
  })

  it("never reports the form an app sends to its own API, only the server's endpoints' forms", async () => {
    const events: AuthEvent[] = []
    const { fetch } = await discovered(events, answer({ ok: true }))
    // A password change sent as a form, with fields named like the protocol's, and as a string.
    const fields = {
      current_password: 'correct horse',
      new_password: 'battery staple',
      grant_type: 'urn:example:change',
      token: 'app-token-value',
    }
    await fetch('https://api.example.com/password', {
      method: 'POST',
      body: new URLSearchParams(fields),
    })
    await fetch('https://api.example.com/password', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })
    // A path on the server's origin that is none of its endpoints is the app's too.
    await fetch('https://id.example.com/account/password', {
      method: 'POST',
      body: new URLSearchParams(fields),
    })
    expect(events.map((event) => event.step)).toEqual([
      'api_request',
      'api_response',
      'api_request',
      'api_response',
      'api_request',
      'api_response',
    ])
    const text = JSON.stringify(events)
    for (const value of Object.values(fields)) expect(text).not.toContain(value)
    for (const name of Object.keys(fields)) expect(text).not.toContain(`"${name}"`)

    // The server's revocation endpoint is the SDK's: its form is shown, secrets shortened.
    await fetch('https://id.example.com/token/revocation', {
      method: 'POST',
      body: new URLSearchParams({ token: 'rt-0123456789abcdef', client_id: 'spa' }),
    })
    expect(events[6]).toMatchObject({
      step: 'revocation_request',
      params: { token: 'rt-012…cdef', client_id: 'spa' },
    })
  })

  it("learns the server's endpoints from discovery only, not from an app's own .well-known", async () => {
    const events: AuthEvent[] = []
    const { fetch } = await discovered(
      events,
      answer({ password_endpoint: 'https://api.example.com/password' }),
    )
    await fetch('https://api.example.com/.well-known/app-config')
    await fetch('https://api.example.com/password', {
      method: 'POST',
      body: new URLSearchParams({ new_password: 'battery-staple-42' }),
    })
    expect(events.map((event) => event.step)).toEqual([
      'api_request',
      'api_response',
      'api_request',
      'api_response',
    ])
    expect(JSON.stringify(events)).not.toContain('battery-staple-42')
  })

  it('passes every text of an event through `redact`, a secret echoed by the server included', async () => {
    const events: AuthEvent[] = []
    const secret = 'the-client-secret'
    const { fetch } = inspector((event) => events.push(event), {
      fetch: async (input) =>
        String(input).endsWith('/openid-configuration')
          ? Response.json({ token_endpoint: 'https://id.example.com/token' })
          : Response.json(
              { error: 'invalid_client', error_description: `secret ${secret} is wrong` },
              { status: 401 },
            ),
      now,
      redact: (text) => text.split(secret).join('[redacted]'),
    })
    await fetch(METADATA_URL)
    await fetch(`https://id.example.com/token?echo=${secret}`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: secret }),
    })
    expect(events.at(-1)).toMatchObject({
      step: 'token_response',
      params: { error_description: 'secret [redacted] is wrong' },
    })
    expect(events.at(-2)).toMatchObject({
      url: 'https://id.example.com/token?echo=[redacted]',
      params: { scope: '[redacted]' },
    })
    expect(JSON.stringify(events)).not.toContain(secret)
  })
})

it('shorten() keeps too little of a value to use it; decodeJwt() reads only compact JWS', () => {
  expect(shorten('short')).toBe('…(5)')
  expect(shorten('0123456789abcdefghij')).toBe('012345…ghij')
  expect(decodeJwt('opaque-token')).toBeUndefined()
  expect(decodeJwt('a.b.c')).toBeUndefined()
  const part = (json: string) => Buffer.from(json).toString('base64url')
  expect(decodeJwt(`${part('{"alg":"none"}')}.${part('{"sub":"ü?>"}')}.`)).toEqual({
    header: { alg: 'none' },
    claims: { sub: 'ü?>' },
  })
})
