import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { createAuth } from './createAuth.js'
import type { AuthError } from './errors.js'
import { type KeyValueStore, memoryStore } from './lib/kv.js'
import type { Platform } from './platform.js'
import { TRANSACTION_LIFETIME_MS } from './transaction.js'

const ISSUER = 'https://id.example.com'
const APP = 'https://app.example.com'
const config = { issuer: ISSUER, clientId: 'spa', redirectUri: `${APP}/callback` }

let privateKey: CryptoKey

beforeAll(async () => {
  const pair = await generateKeyPair('RS256')
  privateKey = pair.privateKey
  await exportJWK(pair.publicKey)
})

/** A fake browser + authorization server, recording what the SDK did. */
function fakeWorld(options: { tokenStatus?: number; idTokenAud?: string } = {}) {
  let location = new URL(`${APP}/`)
  let now = Date.now()
  const navigations: string[] = []
  const replaced: string[] = []
  const tokenRequests: URLSearchParams[] = []
  let lastNonce: string | undefined
  const storage: KeyValueStore = memoryStore()

  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.pathname === '/.well-known/openid-configuration') {
      return Response.json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/auth`,
        token_endpoint: `${ISSUER}/token`,
        end_session_endpoint: `${ISSUER}/session/end`,
        authorization_response_iss_parameter_supported: true,
      })
    }
    if (url.pathname === '/token') {
      const body = new URLSearchParams(String(init?.body))
      tokenRequests.push(body)
      if (options.tokenStatus !== undefined && options.tokenStatus !== 200) {
        return Response.json(
          { error: 'invalid_grant', error_description: 'code expired' },
          { status: options.tokenStatus },
        )
      }
      const idToken = await new SignJWT({ nonce: lastNonce, name: 'Ada' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(ISSUER)
        .setAudience(options.idTokenAud ?? 'spa')
        .setSubject('user-1')
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + 300)
        .sign(privateKey)
      return Response.json({
        access_token: 'at-1',
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
      })
    }
    return new Response('not found', { status: 404 })
  }) as typeof globalThis.fetch

  const platform: Platform = {
    fetch,
    now: () => now,
    currentUrl: () => new URL(location.href),
    navigate: (url) => {
      navigations.push(url)
      lastNonce = new URL(url).searchParams.get('nonce') ?? undefined
    },
    replaceUrl: (url) => {
      replaced.push(url)
      location = new URL(url)
    },
    storage,
  }
  return {
    platform,
    storage,
    navigations,
    replaced,
    tokenRequests,
    goTo(url: string) {
      location = new URL(url)
    },
    advance(ms: number) {
      now += ms
    },
    /** The callback the server would send for the last authorization request. */
    callbackFor(extra: Record<string, string> = {}) {
      const request = new URL(navigations.at(-1) as string)
      const params = new URLSearchParams({
        code: 'the-code',
        state: request.searchParams.get('state') as string,
        iss: ISSUER,
        ...extra,
      })
      return `${APP}/callback?${params}`
    },
  }
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise
  } catch (error) {
    return error as AuthError
  }
  throw new Error('expected a rejection')
}

describe('login()', () => {
  it('sends PKCE S256, state, nonce and the exact redirect URI, and stores a transaction', async () => {
    const world = fakeWorld()
    world.goTo(`${APP}/account?tab=2`)
    const auth = createAuth(config, world.platform)
    await auth.login()
    const url = new URL(world.navigations[0] as string)
    expect(url.origin + url.pathname).toBe(`${ISSUER}/auth`)
    const p = url.searchParams
    expect(p.get('client_id')).toBe('spa')
    expect(p.get('redirect_uri')).toBe(`${APP}/callback`)
    expect(p.get('response_type')).toBe('code')
    expect(p.get('code_challenge_method')).toBe('S256')
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(p.get('state')?.length).toBeGreaterThanOrEqual(43)
    expect(p.get('nonce')?.length).toBeGreaterThanOrEqual(43)
    const keys = await world.storage.keys()
    expect(keys).toHaveLength(1)
    const tx = (await world.storage.get<Record<string, unknown>>(keys[0] as string)) ?? {}
    expect(tx.state).toBe(p.get('state'))
    expect(tx.returnTo).toBe('/account?tab=2')
    expect(tx.codeVerifier).toMatch(/^[\w-]{43,128}$/)
  })

  it('refuses an off-site returnTo and reserved params before navigating', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    expect((await rejection(auth.login({ returnTo: '//evil.example' }))).code).toBe(
      'invalid_argument',
    )
    expect((await rejection(auth.login({ params: { state: 'mine' } }))).code).toBe(
      'invalid_argument',
    )
    expect(world.navigations).toHaveLength(0)
  })
})

describe('handleRedirect()', () => {
  it('returns null for a URL that is not a callback', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    expect(await auth.handleRedirect(`${APP}/somewhere?code=x`)).toBeNull()
    expect(world.tokenRequests).toHaveLength(0)
  })

  it('signs in once, cleans the address bar and shares the result with a second call', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    await auth.login({ returnTo: '/after' })
    const callback = world.callbackFor()
    world.goTo(callback)
    const seen: string[] = []
    auth.subscribe((state) => seen.push(state.status))
    const [first, second] = await Promise.all([
      auth.handleRedirect(),
      auth.handleRedirect(callback),
    ])
    expect(first).toEqual({ returnTo: '/after' })
    expect(second).toBe(first)
    expect(await auth.handleRedirect()).toBe(first) // after cleanup, StrictMode's second effect
    expect(world.tokenRequests).toHaveLength(1)
    expect(world.tokenRequests[0]?.get('code_verifier')).toMatch(/^[\w-]{43,128}$/)
    expect(world.replaced).toEqual([`${APP}/callback`])
    expect(auth.getState()).toMatchObject({
      status: 'authenticated',
      user: { sub: 'user-1', name: 'Ada' },
    })
    expect(seen).toEqual(['loading', 'authenticated'])
    expect(await auth.getAccessToken()).toBe('at-1')
    expect(await world.storage.keys()).toHaveLength(0)
  })

  it('refuses a replayed callback without a token request (transaction_missing)', async () => {
    const world = fakeWorld()
    await createAuth(config, world.platform).login()
    const callback = world.callbackFor()
    await createAuth(config, world.platform).handleRedirect(callback)
    // A fresh page load (new instance) with the same URL.
    const replay = createAuth(config, world.platform)
    const error = await rejection(replay.handleRedirect(callback))
    expect(error.code).toBe('transaction_missing')
    expect(replay.getState()).toMatchObject({ status: 'error', error })
    expect(world.tokenRequests).toHaveLength(1)
  })

  it('refuses a forged state while a sign-in is pending (state_mismatch), keeping that sign-in', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    await auth.login()
    const forged = `${APP}/callback?code=stolen&state=forged-state&iss=${encodeURIComponent(ISSUER)}`
    world.goTo(forged)
    expect((await rejection(auth.handleRedirect())).code).toBe('state_mismatch')
    expect(world.replaced).toEqual([`${APP}/callback`])
    expect(world.tokenRequests).toHaveLength(0)
    expect(await world.storage.keys()).toHaveLength(1)
  })

  it.each([
    [{ iss: 'https://evil.example' }, 'issuer_mismatch'],
    [{ error: 'access_denied', error_description: 'The user said no' }, 'authorization_denied'],
    [{ code: 'second' }, 'invalid_callback'],
  ])('maps a bad callback %j to %s without a token request', async (extra, code) => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    await auth.login()
    let url = world.callbackFor()
    const params = new URL(url).searchParams
    for (const [name, value] of Object.entries(extra)) {
      if (name === 'code') params.append(name, value)
      else params.set(name, value)
    }
    if ('error' in extra) params.delete('code')
    url = `${APP}/callback?${params}`
    const error = await rejection(auth.handleRedirect(url))
    expect(error.code).toBe(code)
    if (code === 'authorization_denied') {
      expect(error.error).toBe('access_denied')
      expect(error.error_description).toBe('The user said no')
    }
    expect(world.tokenRequests).toHaveLength(0)
    expect(await world.storage.keys()).toHaveLength(0) // the transaction was used up
  })

  it('refuses a callback for a transaction older than its lifetime', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.platform)
    await auth.login()
    world.advance(TRANSACTION_LIFETIME_MS + 1)
    expect((await rejection(auth.handleRedirect(world.callbackFor()))).code).toBe(
      'transaction_missing',
    )
    expect(world.tokenRequests).toHaveLength(0)
  })

  it('keeps the server error of a failed code exchange, and no session', async () => {
    const world = fakeWorld({ tokenStatus: 400 })
    const auth = createAuth(config, world.platform)
    await auth.login()
    const callback = world.callbackFor()
    const error = await rejection(auth.handleRedirect(callback))
    expect(error).toMatchObject({
      code: 'token_request_failed',
      error: 'invalid_grant',
      status: 400,
    })
    expect(error.message).not.toContain('the-code')
    expect(JSON.stringify(error)).not.toContain('the-code')
    expect((await rejection(auth.getAccessToken())).code).toBe('login_required')
  })

  it('refuses an ID token for another audience', async () => {
    const world = fakeWorld({ idTokenAud: 'other-client' })
    const auth = createAuth(config, world.platform)
    await auth.login()
    expect((await rejection(auth.handleRedirect(world.callbackFor()))).code).toBe(
      'id_token_invalid',
    )
    expect(auth.getState().status).toBe('error')
  })
})

describe('getAccessToken(), authFetch() and logout()', () => {
  async function signedIn() {
    const world = fakeWorld()
    const auth = createAuth({ ...config, apiOrigins: ['https://api.example.com'] }, world.platform)
    await auth.login()
    await auth.handleRedirect(world.callbackFor())
    return { world, auth }
  }

  it('ends the session once the access token has expired', async () => {
    const { world, auth } = await signedIn()
    world.advance(301_000)
    expect((await rejection(auth.getAccessToken())).code).toBe('session_expired')
    expect((await rejection(auth.getAccessToken())).code).toBe('login_required')
  })

  it('refuses authFetch to a non-allowed origin before any request', async () => {
    const { world, auth } = await signedIn()
    const before = world.tokenRequests.length
    expect((await rejection(auth.authFetch('https://api.example.com.evil.test/x'))).code).toBe(
      'origin_not_allowed',
    )
    expect(world.tokenRequests.length).toBe(before)
  })

  it('clears the session and ends the server session with id_token_hint', async () => {
    const { world, auth } = await signedIn()
    await auth.logout()
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null })
    const url = new URL(world.navigations.at(-1) as string)
    expect(url.pathname).toBe('/session/end')
    expect(url.searchParams.get('id_token_hint')).toMatch(/^ey/)
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${APP}/`)
  })

  it('logs out locally only when asked', async () => {
    const { world, auth } = await signedIn()
    const navigations = world.navigations.length
    await auth.logout({ localOnly: true })
    expect(world.navigations.length).toBe(navigations)
    expect((await rejection(auth.logout({ returnTo: 'https://evil.example/' }))).code).toBe(
      'invalid_argument',
    )
  })
})
