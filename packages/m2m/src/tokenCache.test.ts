import { AuthError } from '@latchkey/core/internal'
import { describe, expect, it } from 'vitest'
import { createTokenCache, type IssuedToken, type TokenParams } from './tokenCache.js'

/** A cache over a fake clock and a fake token endpoint that issues tok-1, tok-2, ... */
function setup(expiresIn: number | null = 300) {
  const clock = { now: 1_000_000 }
  const requests: TokenParams[] = []
  const failures: AuthError[] = []
  const cache = createTokenCache({
    now: () => clock.now,
    leewayMs: 30_000,
    request: async (params): Promise<IssuedToken> => {
      requests.push(params)
      await Promise.resolve()
      const failure = failures.shift()
      if (failure) throw failure
      return { accessToken: `tok-${requests.length}`, expiresIn: expiresIn ?? undefined }
    },
  })
  return { cache, clock, requests, failures }
}

const params = { scope: 'a b', resource: undefined }

describe('createTokenCache', () => {
  it('reuses a token until the leeway before expiry', async () => {
    const { cache, clock, requests } = setup(300)
    expect(await cache.get(params)).toBe('tok-1')
    clock.now += 269_000
    expect(await cache.get(params)).toBe('tok-1')
    clock.now += 1_000 // 30 s before expiry
    expect(await cache.get(params)).toBe('tok-2')
    expect(requests).toHaveLength(2)
  })

  it('uses half the lifetime as leeway for tokens shorter than twice the leeway', async () => {
    const { cache, clock } = setup(10)
    expect(await cache.get(params)).toBe('tok-1')
    clock.now += 4_999
    expect(await cache.get(params)).toBe('tok-1')
    clock.now += 1
    expect(await cache.get(params)).toBe('tok-2')
  })

  it('shares one request among concurrent callers', async () => {
    const { cache, requests } = setup()
    const tokens = await Promise.all(Array.from({ length: 50 }, () => cache.get(params)))
    expect(new Set(tokens)).toEqual(new Set(['tok-1']))
    expect(requests).toHaveLength(1)
  })

  it('keys by scope (in any order) and resource', async () => {
    const { cache, requests } = setup()
    await cache.get({ scope: 'a b', resource: undefined })
    await cache.get({ scope: 'b a', resource: undefined })
    await cache.get({ scope: 'a', resource: undefined })
    await cache.get({ scope: 'a b', resource: 'https://api.example.com' })
    await cache.get({ scope: undefined, resource: undefined })
    expect(requests).toHaveLength(4)
  })

  it('never returns a rejected token again; concurrent rejections share one new token', async () => {
    const { cache, requests } = setup()
    const first = await cache.get(params)
    const next = await Promise.all([
      cache.get(params, { rejected: first }),
      cache.get(params, { rejected: first }),
    ])
    expect(next).toEqual(['tok-2', 'tok-2'])
    // A caller that saw the old token rejected after the new one arrived reuses the new one.
    expect(await cache.get(params, { rejected: first })).toBe('tok-2')
    expect(requests).toHaveLength(2)
  })

  it('forceRefresh gets a new token', async () => {
    const { cache } = setup()
    await cache.get(params)
    expect(await cache.get(params, { forceRefresh: true })).toBe('tok-2')
    expect(await cache.get(params)).toBe('tok-2')
  })

  it('does not cache failures: the next call asks again', async () => {
    const { cache, failures, requests } = setup()
    failures.push(new AuthError('token_request_failed', 'no', { error: 'invalid_client' }))
    await expect(cache.get(params)).rejects.toMatchObject({ error: 'invalid_client' })
    expect(await cache.get(params)).toBe('tok-2')
    expect(requests).toHaveLength(2)
  })

  it('keeps using an unexpired token when its early replacement fails transiently', async () => {
    const { cache, clock, failures } = setup(300)
    await cache.get(params)
    clock.now += 280_000 // in the leeway, not expired
    failures.push(new AuthError('network_error', 'offline'))
    expect(await cache.get(params)).toBe('tok-1')
    failures.push(new AuthError('token_request_failed', 'no', { error: 'invalid_client' }))
    await expect(cache.get(params)).rejects.toMatchObject({ error: 'invalid_client' })
    clock.now += 20_000 // expired
    failures.push(new AuthError('network_error', 'offline'))
    await expect(cache.get(params)).rejects.toMatchObject({ code: 'network_error' })
  })

  it('keeps a token without expires_in until it is rejected', async () => {
    const { cache, clock } = setup(null)
    const first = await cache.get(params)
    clock.now += 365 * 24 * 3600_000
    expect(await cache.get(params)).toBe(first)
    expect(await cache.get(params, { rejected: first })).toBe('tok-2')
  })
})
