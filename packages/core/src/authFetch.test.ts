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
  it('attaches the token to allowed origins only and never calls fetch otherwise', async () => {
    const fetch = vi.fn(async (_request: RequestInfo | URL) => new Response('ok'))
    const authFetch = createAuthFetch({
      fetch: fetch as typeof globalThis.fetch,
      currentUrl: () => page,
      apiOrigins: ['https://api.example.com'],
      getAccessToken: async () => 'the-token',
    })
    const response = await authFetch('https://api.example.com/me', {
      headers: { accept: 'application/json' },
    })
    expect(await response.text()).toBe('ok')
    const sent = fetch.mock.calls[0]?.[0] as Request
    expect(sent.url).toBe('https://api.example.com/me')
    expect(sent.headers.get('authorization')).toBe('Bearer the-token')
    expect(sent.headers.get('accept')).toBe('application/json')

    await expect(authFetch('https://evil.test/me')).rejects.toBeInstanceOf(AuthError)
    expect(fetch).toHaveBeenCalledTimes(1)
  })
})
