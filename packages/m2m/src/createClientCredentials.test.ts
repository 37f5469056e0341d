// Against the real playground: oidc-provider issuing client-credentials tokens, the demo API
// validating them with jose.
import { inspect } from 'node:util'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  startPlayground,
  type TestPlayground,
} from './__tests__/servers.js'
import { type AuthError, type AuthEvent, createClientCredentials } from './index.js'

let playground: TestPlayground

beforeAll(async () => {
  playground = await startPlayground()
})
afterAll(() => playground?.close())
afterEach(() => playground.configure({ accessTokenTtl: 300 }))

function serviceClient(overrides: Record<string, unknown> = {}) {
  return createClientCredentials({
    issuer: playground.issuer,
    clientId: SERVICE_CLIENTS.client_secret_basic,
    clientSecret: SERVICE_CLIENT_SECRET,
    scope: 'api:service',
    apiOrigins: [playground.api],
    ...overrides,
  })
}

/** Runs `task` and returns how many client-credentials requests the server received meanwhile. */
async function countTokenRequests(task: () => Promise<unknown>): Promise<number> {
  const before = (await playground.tokenRequests()).length
  await task()
  return (await playground.tokenRequests()).length - before
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  if (error === undefined) throw new Error('expected a rejection')
  return error as AuthError
}

describe('tokens from the real authorization server', () => {
  it('gets a JWT access token for the demo API and reuses it: two calls, one token request', async () => {
    const client = serviceClient()
    let first = ''
    let second = ''
    const requests = await countTokenRequests(async () => {
      first = await client.getAccessToken()
      second = await client.getAccessToken()
    })
    expect(requests).toBe(1)
    expect(second).toBe(first)
    expect(decodeProtectedHeader(first).typ).toBe('at+jwt')
    const claims = decodeJwt(first)
    expect(claims).toMatchObject({
      iss: playground.issuer,
      aud: playground.api,
      client_id: SERVICE_CLIENTS.client_secret_basic,
      sub: SERVICE_CLIENTS.client_secret_basic,
      scope: 'api:service',
    })
  })

  it('shares one token request among 200 concurrent authFetch calls', async () => {
    const client = serviceClient()
    let statuses: number[] = []
    const requests = await countTokenRequests(async () => {
      const responses = await Promise.all(
        Array.from({ length: 200 }, () => client.authFetch(`${playground.api}/api/service`)),
      )
      statuses = responses.map((response) => response.status)
    })
    expect(requests).toBe(1)
    expect(statuses).toEqual(Array(200).fill(200))
  })

  it('gets a new token when the cached one is about to expire', async () => {
    await playground.configure({ accessTokenTtl: 2 })
    const client = serviceClient()
    const tokens: string[] = []
    const requests = await countTokenRequests(async () => {
      tokens.push(await client.getAccessToken())
      tokens.push(await client.getAccessToken())
      // A 2 s token is replaced after half its lifetime (the 30 s leeway is capped at half).
      await new Promise((resolve) => setTimeout(resolve, 1_100))
      tokens.push(await client.getAccessToken())
    })
    expect(requests).toBe(2)
    expect(tokens[1]).toBe(tokens[0])
    expect(tokens[2]).not.toBe(tokens[0])
    expect(decodeJwt(tokens[2] ?? '').exp).toBeGreaterThan(Date.now() / 1000)
  })

  it('caches per scope and resource, and forceRefresh gets a new token', async () => {
    const client = serviceClient({ scope: undefined })
    const requests = await countTokenRequests(async () => {
      const unscoped = await client.getAccessToken()
      const scoped = await client.getAccessToken({ scope: 'api:service' })
      expect(decodeJwt(unscoped).scope).toBeUndefined()
      expect(decodeJwt(scoped).scope).toBe('api:service')
      expect(await client.getAccessToken({ scope: ' api:service ' })).toBe(scoped)
      expect(await client.getAccessToken({ resource: playground.api })).not.toBe(unscoped)
      expect(await client.getAccessToken({ forceRefresh: true })).not.toBe(unscoped)
    })
    expect(requests).toBe(4)
  })

  it.each([
    ['client_secret_basic', { clientSecret: SERVICE_CLIENT_SECRET }],
    ['client_secret_post', { clientSecret: SERVICE_CLIENT_SECRET }],
    ['private_key_jwt', {}],
  ] as const)('authenticates with %s and calls the service route', async (method, credential) => {
    const sent: Request[] = []
    const client = serviceClient({
      clientId: SERVICE_CLIENTS[method],
      ...(method === 'private_key_jwt'
        ? { clientSecret: undefined, privateKey: playground.serviceKey }
        : credential),
      authMethod: method,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input).endsWith('/token')) sent.push(new Request(input, init))
        return fetch(input, init)
      },
    })
    const response = await client.authFetch(`${playground.api}/api/service`)
    expect(response.status).toBe(200)
    // oidc-provider accepts Basic and post interchangeably, so what was sent is checked here.
    const [request] = sent
    const body = new URLSearchParams(await request?.text())
    expect(request?.headers.get('authorization')?.startsWith('Basic ') ?? false).toBe(
      method === 'client_secret_basic',
    )
    expect(body.has('client_secret')).toBe(method === 'client_secret_post')
    expect(body.get('client_assertion_type')).toBe(
      method === 'private_key_jwt'
        ? 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        : null,
    )
    expect(await response.json()).toMatchObject({
      client_id: SERVICE_CLIENTS[method],
      scope: 'api:service',
    })
  })

  it('defaults to private_key_jwt with a key (the CryptoKey alone works when kid is not needed)', async () => {
    const client = serviceClient({
      clientId: SERVICE_CLIENTS.private_key_jwt,
      clientSecret: undefined,
      privateKey: playground.serviceKey.key,
    })
    expect(decodeJwt(await client.getAccessToken()).client_id).toBe(SERVICE_CLIENTS.private_key_jwt)
  })

  it('is refused with a secret when the client is registered for private_key_jwt', async () => {
    const client = serviceClient({ clientId: SERVICE_CLIENTS.private_key_jwt })
    const error = await rejection(client.getAccessToken())
    expect(error).toMatchObject({ code: 'token_request_failed', error: 'invalid_client' })
  })
})

describe('failures', () => {
  const wrongSecret = 'not-the-secret-3f9a7c1e0b'

  it('reports a wrong secret at once as invalid_client, with exactly one token request', async () => {
    const client = serviceClient({ clientSecret: wrongSecret })
    let error: AuthError | undefined
    const requests = await countTokenRequests(async () => {
      error = await rejection(client.getAccessToken())
    })
    expect(requests).toBe(1)
    expect(error).toMatchObject({
      name: 'AuthError',
      code: 'token_request_failed',
      error: 'invalid_client',
      status: 401,
    })
    expect(error?.message).toMatch(/invalid_client.*Check `clientId`, the client secret/)

    // authFetch reports the same without sending anything to the API.
    const before = (await playground.apiRequests()).length
    const viaFetch = await rejection(client.authFetch(`${playground.api}/api/service`))
    expect(viaFetch).toMatchObject({ code: 'token_request_failed', error: 'invalid_client' })
    expect((await playground.apiRequests()).length).toBe(before)
  })

  it('never shows the secret in an error or in the client object', async () => {
    const client = serviceClient({ clientSecret: wrongSecret })
    const error = await rejection(client.getAccessToken())
    const shown = [
      JSON.stringify(error),
      String(error),
      error.stack ?? '',
      inspect(error, { depth: 10 }),
      JSON.stringify(client),
      inspect(client, { depth: 10, showHidden: true }),
      String(client),
      `${client}`,
    ]
    for (const text of shown) expect(text).not.toContain(wrongSecret)
    expect(JSON.parse(JSON.stringify(client))).toEqual({
      issuer: playground.issuer,
      clientId: SERVICE_CLIENTS.client_secret_basic,
    })
    expect(inspect(client)).toContain(SERVICE_CLIENTS.client_secret_basic)
    const keyClient = serviceClient({
      clientId: SERVICE_CLIENTS.private_key_jwt,
      clientSecret: undefined,
      privateKey: playground.serviceKey,
    })
    expect(inspect(keyClient, { depth: 10, showHidden: true })).not.toMatch(/CryptoKey|private/)
    expect(JSON.stringify(keyClient)).not.toMatch(/CryptoKey|private|"key"/i)
  })

  it('masks the secret when a server echoes it in its error, and in the events too', async () => {
    const secret = 'echo+me/please=='
    const events: AuthEvent[] = []
    const client = serviceClient({
      clientSecret: secret,
      authMethod: 'client_secret_post',
      onEvent: (event: AuthEvent) => events.push(event),
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        if (!String(input).endsWith('/token')) return fetch(input, init)
        const sent = new URLSearchParams(String(init?.body)).get('client_secret')
        const raw = String(init?.body).match(/client_secret=([^&]*)/)?.[1]
        return Response.json(
          { error: 'invalid_request', error_description: `bad secret ${sent} (${raw})` },
          { status: 400 },
        )
      },
    })
    const error = await rejection(client.getAccessToken())
    expect(error).toMatchObject({ code: 'token_request_failed', error: 'invalid_request' })
    expect(error.error_description).toBe('bad secret [redacted] ([redacted])')
    // The listener sees the answer as the error shows it: masked, not whole.
    const answer = events.find((event) => event.step === 'token_response')
    expect(answer?.params?.error_description).toBe('bad secret [redacted] ([redacted])')
    const shown = JSON.stringify(events)
    for (const text of [
      JSON.stringify(error),
      String(error),
      error.stack ?? '',
      inspect(error),
      shown,
    ]) {
      expect(text).not.toContain(secret)
      expect(text).not.toContain(encodeURIComponent(secret))
    }
  })

  it('reports an unknown scope at once (invalid_scope), without retries', async () => {
    const client = serviceClient({ scope: 'openid' })
    let error: AuthError | undefined
    const requests = await countTokenRequests(async () => {
      error = await rejection(client.getAccessToken())
    })
    expect(requests).toBe(1)
    expect(error).toMatchObject({ code: 'token_request_failed', error: 'invalid_scope' })
  })

  it('retries a 503 with backoff, then fails with its status', async () => {
    let tokenCalls = 0
    const client = serviceClient({
      retries: 2,
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input).endsWith('/token')) {
          tokenCalls++
          return Promise.resolve(new Response('<h1>busy</h1>', { status: 503 }))
        }
        return fetch(input, init)
      },
    })
    const started = Date.now()
    const error = await rejection(client.getAccessToken())
    expect(tokenCalls).toBe(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(290) // 100 ms + 200 ms
    expect(error).toMatchObject({ code: 'token_request_failed', status: 503 })
  })

  it('recovers when a transient failure clears before the retries run out', async () => {
    let failures = 1
    const client = serviceClient({
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        if (String(input).endsWith('/token') && failures-- > 0) {
          return Promise.reject(new TypeError('fetch failed'))
        }
        return fetch(input, init)
      },
    })
    expect(decodeJwt(await client.getAccessToken()).aud).toBe(playground.api)
  })

  it('fails with network_error when the server cannot be reached', async () => {
    const client = serviceClient({ issuer: 'http://localhost:9', retries: 1 })
    const error = await rejection(client.getAccessToken())
    expect(error.code).toBe('discovery_failed')
    expect((error as Error & { cause?: AuthError }).cause?.code).toBe('network_error')
  })

  it('refuses an issuer whose metadata names another issuer', async () => {
    const other = playground.issuer.replace('localhost', '127.0.0.1')
    const error = await rejection(serviceClient({ issuer: other }).getAccessToken())
    expect(error.code).toBe('issuer_mismatch')
  })
})

describe('authFetch', () => {
  it('gets one new token and retries once when the API rejects the token as invalid', async () => {
    let tampered = false
    const client = serviceClient({
      // The first API call goes out with a broken signature, as if the key had been rotated.
      fetch: (input: RequestInfo | URL, init?: RequestInit) => {
        if (!tampered && String(input).startsWith(playground.api)) {
          tampered = true
          const headers = new Headers(init?.headers)
          headers.set('authorization', `${headers.get('authorization')?.slice(0, -4)}AAAA`)
          return fetch(input, { ...init, headers })
        }
        return fetch(input, init)
      },
    })
    const apiBefore = (await playground.apiRequests()).length
    let response: Response | undefined
    const requests = await countTokenRequests(async () => {
      response = await client.authFetch(`${playground.api}/api/service`)
    })
    expect(response?.status).toBe(200)
    expect(requests).toBe(2)
    const apiCalls = (await playground.apiRequests()).slice(apiBefore)
    expect(apiCalls.map((call) => [call.path, call.status])).toEqual([
      ['/api/service', 401],
      ['/api/service', 200],
    ])
  })

  it('returns a 403 insufficient_scope from the API as it is, without a new token', async () => {
    const client = serviceClient({ scope: undefined })
    let response: Response | undefined
    const requests = await countTokenRequests(async () => {
      response = await client.authFetch(`${playground.api}/api/service`)
    })
    expect(requests).toBe(1)
    expect(response?.status).toBe(403)
    expect(response?.headers.get('www-authenticate')).toMatch(/insufficient_scope/)
  })

  it('refuses other origins and relative URLs before getting a token', async () => {
    const client = serviceClient()
    const requests = await countTokenRequests(async () => {
      expect(await rejection(client.authFetch('https://evil.example/api'))).toMatchObject({
        code: 'origin_not_allowed',
      })
      expect(await rejection(client.authFetch('/api/service'))).toMatchObject({
        code: 'invalid_argument',
      })
    })
    expect(requests).toBe(0)
  })
})

describe('onEvent', () => {
  const service = () => `${playground.api}/api/service`

  it('reports discovery, the client-credentials token request and the API call, in order', async () => {
    const events: AuthEvent[] = []
    const client = serviceClient({ onEvent: (event: AuthEvent) => events.push(event) })
    expect((await client.authFetch(service())).status).toBe(200)

    expect(events.map((event) => event.step)).toEqual([
      'discovery_request',
      'discovery_response',
      'token_request',
      'token_response',
      'api_request',
      'api_response',
    ])
    const [discovery, metadata, request, response, call, answer] = events
    expect(discovery).toMatchObject({
      method: 'GET',
      url: `${playground.issuer}/.well-known/openid-configuration`,
    })
    expect(metadata).toMatchObject({ status: 200, params: { issuer: playground.issuer } })
    expect(request).toMatchObject({
      method: 'POST',
      url: `${playground.issuer}/token`,
      params: { grant_type: 'client_credentials', scope: 'api:service' },
    })
    expect(request?.title).toMatch(/client credentials/)
    expect(response).toMatchObject({
      status: 200,
      params: { token_type: expect.stringMatching(/^bearer$/i), expires_in: '300' },
      jwts: { access_token: { claims: { client_id: SERVICE_CLIENTS.client_secret_basic } } },
    })
    expect(call).toMatchObject({ method: 'GET', url: service() })
    expect(call?.params?.authorization).toMatch(/^Bearer \S+…\S+$/)
    expect(answer).toMatchObject({ status: 200 })
    expect(answer?.ms).toBeGreaterThanOrEqual(0)
  })

  it.each(['client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const)(
    'never shows the %s credential or the access token whole',
    async (method) => {
      const events: AuthEvent[] = []
      const sent: Request[] = []
      const client = serviceClient({
        clientId: SERVICE_CLIENTS[method],
        ...(method === 'private_key_jwt'
          ? { clientSecret: undefined, privateKey: playground.serviceKey }
          : { clientSecret: SERVICE_CLIENT_SECRET }),
        authMethod: method,
        onEvent: (event: AuthEvent) => events.push(event),
        fetch: (input: RequestInfo | URL, init?: RequestInit) => {
          if (String(input).endsWith('/token')) sent.push(new Request(input, init))
          return fetch(input, init)
        },
      })
      expect((await client.authFetch(service())).status).toBe(200)
      const token = await client.getAccessToken()
      const [request] = sent
      const body = new URLSearchParams(await request?.text())
      const basic = request?.headers.get('authorization')?.split(' ')[1]
      const assertion = body.get('client_assertion')
      const whole = [token, SERVICE_CLIENT_SECRET, basic, assertion].filter(
        (value): value is string => typeof value === 'string',
      )
      expect(whole.length).toBe(method === 'client_secret_post' ? 2 : 3)

      const shown = JSON.stringify(events)
      for (const value of whole) expect(shown).not.toContain(value)
      const tokenRequest = events.find((event) => event.step === 'token_request')
      // A secret is masked whole: no piece of it (nor of its base64 form), not even its length.
      if (method === 'client_secret_basic') {
        expect(tokenRequest?.params?.authorization).toBe('Basic [redacted]')
      } else if (method === 'client_secret_post') {
        expect(tokenRequest?.params?.client_secret).toBe('[redacted]')
        expect(shown).not.toContain(
          `${SERVICE_CLIENT_SECRET.slice(0, 6)}…${SERVICE_CLIENT_SECRET.slice(-4)}`,
        )
      } else {
        expect(tokenRequest?.params?.client_assertion).toMatch(/^eyJ\S+…\S+$/)
        expect(tokenRequest?.jwts?.client_assertion).toMatchObject({
          header: { alg: 'ES256', kid: playground.serviceKey.kid },
          claims: {
            iss: SERVICE_CLIENTS.private_key_jwt,
            sub: SERVICE_CLIENTS.private_key_jwt,
            jti: expect.any(String),
            exp: expect.any(Number),
          },
        })
      }
    },
  )

  it('reports only the API call when the cached token is reused', async () => {
    const events: AuthEvent[] = []
    const client = serviceClient({ onEvent: (event: AuthEvent) => events.push(event) })
    await client.authFetch(service())
    events.length = 0
    expect((await client.authFetch(service())).status).toBe(200)
    expect(events.map((event) => event.step)).toEqual(['api_request', 'api_response'])
  })

  it('lets a listener that throws not break the call, and reports its error', async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const client = serviceClient({
        onEvent: () => {
          throw new Error('listener broke')
        },
      })
      const response = await client.authFetch(service())
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ scope: 'api:service' })
      expect(reported).toHaveBeenCalledWith(expect.objectContaining({ message: 'listener broke' }))
    } finally {
      reported.mockRestore()
    }
  })
})

describe('the playground', () => {
  it('gives user (SPA) tokens no access to the service route, and service tokens none to /api/me', async () => {
    const user = await playground.userToken('openid api:read')
    if (!('accessToken' in user)) throw new Error(`sign-in failed: ${user.error}`)
    const call = (path: string, token: string) =>
      fetch(`${playground.api}${path}`, { headers: { authorization: `Bearer ${token}` } })
    expect((await call('/api/me', user.accessToken)).status).toBe(200)
    const refused = await call('/api/service', user.accessToken)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('www-authenticate')).toMatch(
      /error="insufficient_scope".*scope="api:service"/,
    )

    const service = await serviceClient().getAccessToken()
    expect((await call('/api/me', service)).status).toBe(403)
    expect((await call('/api/service', service)).status).toBe(200)
  })

  it('never lets the SPA client ask for the service scope', async () => {
    expect(await playground.userToken('openid api:read api:service')).toEqual({
      error: 'invalid_scope',
    })
  })
})
