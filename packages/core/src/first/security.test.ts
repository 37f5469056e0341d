// The adversarial suite's unit half: PKCE, state and nonce quality, returnTo, secrets in errors.
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { config, fakeWorld, rejection } from '../__tests__/fakeWorld.js'
import { createAuth } from './createAuth.js'

const BASE64URL = /^[A-Za-z0-9_-]+$/

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)),
  )
  return Buffer.from(digest).toString('base64url')
}

describe('PKCE (RFC 7636)', () => {
  it('computes S256 as in RFC 7636 Appendix B', async () => {
    expect(
      await oauth.calculatePKCECodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    ).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('makes verifiers of 43 base64url characters (32 random bytes), unique across 10,000', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 10_000; i++) {
      const verifier = oauth.generateRandomCodeVerifier()
      expect(verifier).toHaveLength(43)
      expect(verifier).toMatch(BASE64URL)
      expect(Buffer.from(verifier, 'base64url')).toHaveLength(32)
      seen.add(verifier)
    }
    expect(seen.size).toBe(10_000)
  })

  it('sends S256 only, with the challenge of the verifier the code exchange uses', async () => {
    const world = fakeWorld()
    for (let i = 0; i < 20; i++) {
      const tab = world.tab()
      const auth = createAuth(config, tab.platform)
      await auth.login()
      const request = new URL(tab.navigations[0] as string).searchParams
      expect(request.get('code_challenge_method')).toBe('S256')
      expect(request.getAll('code_challenge')).toHaveLength(1)
      await auth.handleRedirect(tab.callbackFor())
      const verifier = world.tokenRequests.at(-1)?.get('code_verifier') as string
      expect(verifier.length).toBeGreaterThanOrEqual(43)
      expect(await s256(verifier)).toBe(request.get('code_challenge'))
    }
  })
})

describe('state, nonce and redirect_uri', () => {
  it('uses a fresh state and nonce of at least 128 bits for every login', async () => {
    const world = fakeWorld()
    const values = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const tab = world.tab()
      await createAuth(config, tab.platform).login()
      const request = new URL(tab.navigations[0] as string).searchParams
      for (const name of ['state', 'nonce']) {
        const value = request.get(name) as string
        expect(value).toMatch(BASE64URL)
        expect(Buffer.from(value, 'base64url').length * 8).toBeGreaterThanOrEqual(128)
        values.add(value)
      }
    }
    expect(values.size).toBe(100)
  })

  it.each([
    'https://app.example.com/callback',
    'https://app.example.com',
    'https://app.example.com/cb?tenant=a',
  ])(
    'sends redirect_uri %s byte for byte, in the request and the exchange',
    async (redirectUri) => {
      const world = fakeWorld()
      const tab = world.tab()
      const auth = createAuth({ ...config, redirectUri }, tab.platform)
      await auth.login()
      expect(new URL(tab.navigations[0] as string).searchParams.get('redirect_uri')).toBe(
        redirectUri,
      )
    },
  )
})

describe('returnTo after the redirect', () => {
  it('lands on / when the stored returnTo was tampered with', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login({ returnTo: '/ok' })
    const [key] = await world.storage.keys()
    const transaction = await world.storage.get<Record<string, unknown>>(key as string)
    await world.storage.set(key as string, { ...transaction, returnTo: '//evil.example' })
    expect(await auth.handleRedirect(tab.callbackFor())).toEqual({ returnTo: '/' })
  })

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '/%09/evil.example',
    'javascript:alert(1)',
  ])('refuses %s before navigating anywhere', async (returnTo) => {
    const world = fakeWorld()
    const tab = world.tab()
    const error = await rejection(createAuth(config, tab.platform).login({ returnTo }))
    expect(error.code).toBe('invalid_argument')
    expect(tab.navigations).toEqual([])
    expect(await world.storage.keys()).toEqual([])
  })
})

describe('no secret in errors', () => {
  function serialised(error: Error): string {
    return [JSON.stringify(error), String(error), error.stack ?? '', error.message].join('\n')
  }

  it('keeps the code, verifier and tokens out of every form of a failed exchange', async () => {
    const world = fakeWorld({ codeStatus: 400 })
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login()
    const callback = tab.callbackFor({ code: 'CODE-SECRET-123' })
    const error = await rejection(auth.handleRedirect(callback))
    const verifier = world.tokenRequests[0]?.get('code_verifier') as string
    const text = serialised(error)
    for (const secret of ['CODE-SECRET-123', verifier]) expect(text).not.toContain(secret)
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      code: 'token_request_failed',
      error: 'invalid_grant',
    })
  })

  it('keeps the code out of a refused callback', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login()
    const error = await rejection(
      auth.handleRedirect(
        tab.callbackFor({ code: 'CODE-SECRET-123', iss: 'https://evil.example' }),
      ),
    )
    expect(error.code).toBe('issuer_mismatch')
    expect(serialised(error)).not.toContain('CODE-SECRET-123')
  })

  it('keeps refresh and access tokens out of a failed refresh', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth({ ...config, autoRefresh: false }, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    world.revokeAll()
    const error = await rejection(auth.getAccessToken({ forceRefresh: true }))
    expect(error.code).toBe('session_expired')
    for (const secret of ['rt-1', 'at-1']) expect(serialised(error)).not.toContain(secret)
  })
})
