import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { describe, expect, it, vi } from 'vitest'
import '../__tests__/linked.js'
import { createSender } from '../protocol/send.js'
import { checkTokenTarget, createAuthFetch } from './authFetch.js'
import { AuthError } from './errors.js'

const page = new URL('https://app.example.com/dashboard')
const allowed = ['https://app.example.com', 'https://api.example.com']

describe('checkTokenTarget', () => {
  it.each([
    'https://api.example.com/me',
    'https://api.example.com:443/me',
    'https://API.example.com/me',
    '/api/me',
    'api/me',
  ])('allows %s', (input) => {
    expect(() => checkTokenTarget(input, page, allowed)).not.toThrow()
  })

  it.each([
    'https://api.example.com.evil.test/me',
    'https://api.example.com@evil.test/me',
    'http://api.example.com/me',
    'https://api.example.com:8443/me',
    '//evil.test/me',
    'https://evil.test/me',
    'data:text/plain,hi',
  ])('refuses %s with origin_not_allowed', (input) => {
    expect(() => checkTokenTarget(input, page, allowed)).toThrow(
      expect.objectContaining({ code: 'origin_not_allowed' }),
    )
  })

  it('refuses a URL with credentials in it with invalid_argument, without echoing them', () => {
    expect(() => checkTokenTarget('https://u:secret@api.example.com/me', page, allowed)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: expect.not.stringMatching(/secret/),
      }),
    )
  })
})

describe('createAuthFetch', () => {
  function setup(answers: Array<() => Response>, dpop?: oauth.DPoPHandle) {
    // `request` is what the network would see: the headers and body fetch() sends, together.
    const sent: Array<{ url: string; init: RequestInit; request: Request }> = []
    const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      sent.push({ url: String(url), init: init ?? {}, request: new Request(url, init) })
      const answer = answers.shift()
      return answer ? answer() : new Response('ok')
    })
    const replaced: string[] = []
    const credentials = vi.fn(async (rejected?: string) => {
      if (rejected === undefined) return { token: 'token-1', dpop }
      replaced.push(rejected)
      return { token: 'token-2', dpop }
    })
    const send = createSender(fetch as typeof globalThis.fetch)
    const authFetch = createAuthFetch({
      send: () => send,
      base: () => page,
      allowedOrigins: () => [page.origin, 'https://api.example.com'],
      credentials,
    })
    const authorization = (i: number) => new Headers(sent[i]?.init.headers).get('authorization')
    return { authFetch, fetch, sent, replaced, credentials, authorization }
  }
  const challenge = (status: number, error: string) => () =>
    new Response(null, {
      status,
      headers: { 'www-authenticate': `Bearer realm="api", error="${error}"` },
    })

  it('attaches the token to allowed origins only and never calls fetch otherwise', async () => {
    const { authFetch, fetch, sent, authorization } = setup([])
    const response = await authFetch('https://api.example.com/me', {
      headers: { accept: 'application/json' },
    })
    expect(await response.text()).toBe('ok')
    expect(sent[0]?.url).toBe('https://api.example.com/me')
    expect(authorization(0)).toBe('Bearer token-1')
    expect(new Headers(sent[0]?.init.headers).get('accept')).toBe('application/json')

    await expect(authFetch('https://evil.test/me')).rejects.toBeInstanceOf(AuthError)
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('answers a 401 invalid_token with one refresh and one retry of the same request, body included', async () => {
    const { authFetch, sent, replaced, authorization } = setup([challenge(401, 'invalid_token')])
    const response = await authFetch('https://api.example.com/items', {
      method: 'POST',
      body: 'payload',
    })
    expect(response.status).toBe(200)
    expect(replaced).toEqual(['token-1'])
    expect(sent).toHaveLength(2)
    expect([authorization(0), authorization(1)]).toEqual(['Bearer token-1', 'Bearer token-2'])
    for (const { init, request } of sent) {
      expect(init.method).toBe('POST')
      expect(init.body).toBe('payload')
      expect(await request.text()).toBe('payload')
    }
  })

  it('sends a FormData body as it is on both attempts, with the boundary fetch makes for it', async () => {
    const { authFetch, sent } = setup([challenge(401, 'invalid_token')])
    const form = new FormData()
    form.set('name', 'ada')
    form.set('file', new Blob(['bytes'], { type: 'text/plain' }), 'a.txt')
    await authFetch('https://api.example.com/upload', { method: 'POST', body: form })
    expect(sent).toHaveLength(2)
    for (const { init, request } of sent) {
      expect(init.body).toBe(form) // not buffered
      const received = await request.formData() // fails if Content-Type names another boundary
      expect(received.get('name')).toBe('ada')
      expect(await (received.get('file') as File).text()).toBe('bytes')
    }
  })

  it('sends a Blob body as it is on both attempts, typed by the Blob', async () => {
    const { authFetch, sent } = setup([challenge(401, 'invalid_token')])
    const blob = new Blob(['{"a":1}'], { type: 'application/json' })
    await authFetch('https://api.example.com/items', { method: 'PUT', body: blob })
    expect(sent).toHaveLength(2)
    for (const { init, request } of sent) {
      expect(init.body).toBe(blob)
      expect(request.headers.get('content-type')).toBe('application/json')
      expect(await request.text()).toBe('{"a":1}')
    }
  })

  it('buffers a stream body once and sends it again on the retry', async () => {
    const { authFetch, sent } = setup([challenge(401, 'invalid_token')])
    const body = new Blob(['streamed']).stream()
    await authFetch('https://api.example.com/items', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit)
    expect(sent).toHaveLength(2)
    for (const { request } of sent) expect(await request.text()).toBe('streamed')
  })

  it('leaves a Request passed in usable by the caller', async () => {
    const { authFetch, sent } = setup([challenge(401, 'invalid_token')])
    const form = new URLSearchParams({ q: 'x' })
    const request = new Request('https://api.example.com/search', { method: 'POST', body: form })
    await authFetch(request)
    expect(request.bodyUsed).toBe(false)
    expect(await request.text()).toBe('q=x')
    expect(sent).toHaveLength(2)
    for (const { request: received } of sent) {
      expect(received.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/)
      expect(await received.text()).toBe('q=x')
    }
  })

  it('refuses a URL with credentials before asking for a token or sending anything', async () => {
    const { authFetch, fetch, credentials } = setup([])
    const error = await authFetch('https://u:p@api.example.com/me').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toMatchObject({ code: 'invalid_argument' })
    expect(fetch).not.toHaveBeenCalled()
    expect(credentials).not.toHaveBeenCalled()
  })

  it('refuses a GET with a body, or a Request already read, with invalid_argument', async () => {
    const { authFetch, fetch, credentials } = setup([])
    const used = new Request('https://api.example.com/me', { method: 'POST', body: 'x' })
    await used.text()
    for (const call of [
      () => authFetch('https://api.example.com/me', { method: 'GET', body: 'x' }),
      () => authFetch(used),
    ]) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AuthError)
      expect(error).toMatchObject({ code: 'invalid_argument' })
    }
    expect(fetch).not.toHaveBeenCalled()
    expect(credentials).not.toHaveBeenCalled()
  })

  it('never retries more than once', async () => {
    const { authFetch, sent, replaced } = setup([
      challenge(401, 'invalid_token'),
      challenge(401, 'invalid_token'),
    ])
    const response = await authFetch('https://api.example.com/items')
    expect(response.status).toBe(401)
    expect(sent).toHaveLength(2)
    expect(replaced).toHaveLength(1)
  })

  it('hands insufficient_scope and other answers to the app without a refresh', async () => {
    const { authFetch, sent, replaced } = setup([challenge(403, 'insufficient_scope')])
    const response = await authFetch('https://api.example.com/admin')
    expect(response.status).toBe(403)
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/)
    expect(sent).toHaveLength(1)
    expect(replaced).toHaveLength(0)
  })

  it('turns a network failure into network_error', async () => {
    const { authFetch } = setup([
      () => {
        throw new TypeError('Failed to fetch')
      },
    ])
    await expect(authFetch('https://api.example.com/me')).rejects.toMatchObject({
      code: 'network_error',
    })
  })

  describe('a DPoP nonce challenge', () => {
    const nonceChallenge = (nonce?: string) => () =>
      new Response(null, {
        status: 401,
        headers: {
          'www-authenticate': 'DPoP error="use_dpop_nonce"',
          ...(nonce === undefined ? {} : { 'dpop-nonce': nonce }),
        },
      })
    const handle = async () => oauth.DPoP({}, await oauth.generateKeyPair('ES256'))
    const nonce = (init: RequestInit) =>
      decodeJwt(new Headers(init.headers).get('dpop') ?? '').nonce

    it('is answered with one retry carrying the nonce', async () => {
      const { authFetch, sent } = setup([nonceChallenge('n-1')], await handle())
      const response = await authFetch('https://api.example.com/me')
      expect(response.status).toBe(200)
      expect(sent.map(({ init }) => nonce(init))).toEqual([undefined, 'n-1'])
    })

    it('without a readable DPoP-Nonce header is a network_error saying what to expose, not a doomed retry', async () => {
      const { authFetch, sent } = setup([nonceChallenge()], await handle())
      const error = await authFetch('https://api.example.com/me').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(AuthError)
      expect(error).toMatchObject({
        code: 'network_error',
        status: 401,
        error: 'use_dpop_nonce',
        message: expect.stringContaining('Access-Control-Expose-Headers: DPoP-Nonce'),
      })
      expect(sent).toHaveLength(1)
    })
  })

  // A resource server that knows only RFC 6750 challenges for Bearer, whatever it was sent; one
  // that takes DPoP challenges for DPoP (RFC 9449 section 7.1).
  describe('an API that does not take DPoP', () => {
    const handle = async () => oauth.DPoP({}, await oauth.generateKeyPair('ES256'))
    const answer = (wwwAuthenticate: string) => () =>
      new Response(null, { status: 401, headers: { 'www-authenticate': wwwAuthenticate } })

    it.each([
      'Bearer realm="api"',
      'Bearer realm="api", error="invalid_token", error_description="unsupported scheme"',
    ])(
      'answering a DPoP-bound call with %s rejects with dpop_not_accepted, no refresh',
      async (header) => {
        const { authFetch, sent, replaced } = setup([answer(header)], await handle())
        const error = await authFetch('https://api.example.com/me').catch((e: unknown) => e)
        expect(error).toBeInstanceOf(AuthError)
        expect(error).toMatchObject({
          code: 'dpop_not_accepted',
          status: 401,
          message: expect.stringContaining('`dpop: false`'),
        })
        expect(sent).toHaveLength(1)
        expect(replaced).toHaveLength(0)
      },
    )

    it('is not what a DPoP challenge beside Bearer means: that gets the refresh and retry', async () => {
      const { authFetch, sent, replaced } = setup(
        [answer('DPoP error="invalid_token", algs="ES256", Bearer realm="api"')],
        await handle(),
      )
      const response = await authFetch('https://api.example.com/me')
      expect(response.status).toBe(200)
      expect(sent).toHaveLength(2)
      expect(replaced).toEqual(['token-1'])
    })

    it("is no error for a Bearer token: the 401 is the app's to read", async () => {
      const { authFetch, sent } = setup([answer('Bearer realm="api"')])
      const response = await authFetch('https://api.example.com/me')
      expect(response.status).toBe(401)
      expect(sent).toHaveLength(1)
    })
  })
})
