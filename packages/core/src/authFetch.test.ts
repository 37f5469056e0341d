import { describe, expect, it, vi } from 'vitest'
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
})

describe('createAuthFetch', () => {
  function setup(answers: Array<() => Response>) {
    const sent: Array<{ url: string; init: RequestInit }> = []
    const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      sent.push({ url: String(url), init: init ?? {} })
      const answer = answers.shift()
      return answer ? answer() : new Response('ok')
    })
    const replaced: string[] = []
    const authFetch = createAuthFetch({
      fetch: fetch as typeof globalThis.fetch,
      base: () => page,
      allowedOrigins: () => [page.origin, 'https://api.example.com'],
      credentials: async (rejected?: string) => {
        if (rejected === undefined) return { token: 'token-1', dpop: undefined }
        replaced.push(rejected)
        return { token: 'token-2', dpop: undefined }
      },
    })
    const authorization = (i: number) => new Headers(sent[i]?.init.headers).get('authorization')
    return { authFetch, fetch, sent, replaced, authorization }
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
    for (const { init } of sent) {
      expect(init.method).toBe('POST')
      expect(new TextDecoder().decode(init.body as ArrayBuffer)).toBe('payload')
    }
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
})
