import { describe, expect, it } from 'vitest'
import { APP, config, fakeWorld, ISSUER, rejection } from '../__tests__/fakeWorld.js'
import { TRANSACTION_LIFETIME_MS } from '../flows/transaction.js'
import { createAuth } from './createAuth.js'

/** One tab of a fresh world, with the world's counters at hand. */
function oneTab(options: Parameters<typeof fakeWorld>[0] = {}) {
  const world = fakeWorld(options)
  const tab = world.tab()
  return {
    ...tab,
    storage: world.storage,
    tokenRequests: world.tokenRequests,
    advance: world.advance,
    world,
  }
}

it("hands the app its public methods and state, nothing of the SDK's own wiring", () => {
  const auth = createAuth(config, fakeWorld().tab().platform)
  expect(Object.keys(auth).sort()).toEqual(
    [
      'authFetch',
      'getAccessToken',
      'getState',
      'handleRedirect',
      'login',
      'loginSilently',
      'loginWithPopup',
      'logout',
      'subscribe',
      'tabId',
    ].sort(),
  )
})

describe('login()', () => {
  it('sends PKCE S256, state, nonce and the exact redirect URI, and stores a transaction', async () => {
    const world = oneTab()
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

  it('moves the state to error when login() fails, as handleRedirect() does', async () => {
    const world = oneTab({ metadataIssuer: 'https://other.example.com' })
    const auth = createAuth(config, world.platform)
    const error = await rejection(auth.login())
    expect(error.code).toBe('issuer_mismatch')
    expect(auth.getState()).toMatchObject({ status: 'error', error: { code: 'issuer_mismatch' } })
    expect(world.navigations).toEqual([])
  })

  it('refuses an off-site returnTo and reserved params before navigating', async () => {
    const world = oneTab()
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
    const world = oneTab()
    const auth = createAuth(config, world.platform)
    expect(await auth.handleRedirect(`${APP}/somewhere?code=x`)).toBeNull()
    expect(world.tokenRequests).toHaveLength(0)
  })

  it('signs in once, cleans the address bar and shares the result with a second call', async () => {
    const world = oneTab()
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
    const world = oneTab()
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

  it('keeps a signed-in user signed in when a replayed callback is refused', async () => {
    const world = oneTab()
    const auth = createAuth(config, world.platform)
    await auth.login()
    const callback = world.callbackFor()
    await auth.handleRedirect(callback)
    const replay = `${callback}&lang=fr` // the same callback, seen again as another URL
    expect((await rejection(auth.handleRedirect(replay))).code).toBe('transaction_missing')
    expect(auth.getState()).toMatchObject({
      status: 'authenticated',
      user: { sub: 'user-1' },
      error: { code: 'transaction_missing' },
    })
    expect(await auth.getAccessToken()).toBe('at-1')
  })

  it('refuses a forged state while a sign-in is pending (state_mismatch), keeping that sign-in', async () => {
    const world = oneTab()
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
    const world = oneTab()
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
    const world = oneTab()
    const auth = createAuth(config, world.platform)
    await auth.login()
    world.advance(TRANSACTION_LIFETIME_MS + 1)
    expect((await rejection(auth.handleRedirect(world.callbackFor()))).code).toBe(
      'transaction_missing',
    )
    expect(world.tokenRequests).toHaveLength(0)
  })

  it('cleans up abandoned transactions older than their lifetime at the next login', async () => {
    const world = oneTab()
    const auth = createAuth(config, world.platform)
    await auth.login()
    await auth.login()
    expect(await world.storage.keys()).toHaveLength(2)
    world.advance(TRANSACTION_LIFETIME_MS + 1)
    await auth.login()
    const left = await world.storage.keys()
    expect(left).toHaveLength(1)
    const state = new URL(world.navigations.at(-1) as string).searchParams.get('state')
    expect(left[0]).toMatch(new RegExp(`:tx:${state}$`))
  })

  it('keeps the server error of a failed code exchange, and no session', async () => {
    const world = oneTab({ codeStatus: 400 })
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

  it('refuses an ID token issued in the future, and accepts a clock 20 s ahead', async () => {
    const ahead = oneTab({ iatOffset: 20 })
    const fine = createAuth(config, ahead.platform)
    await fine.login()
    expect(await fine.handleRedirect(ahead.callbackFor())).toEqual({ returnTo: '/' })

    const world = oneTab({ iatOffset: 3600 })
    const auth = createAuth(config, world.platform)
    await auth.login()
    const error = await rejection(auth.handleRedirect(world.callbackFor()))
    expect(error.code).toBe('id_token_invalid')
    expect(error.message).toMatch(/"iat"/)
  })

  it('refuses an ID token for another audience', async () => {
    const world = oneTab({ idTokenAud: 'other-client' })
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
    const world = oneTab()
    const auth = createAuth(
      { ...config, apiOrigins: ['https://api.example.com'], autoRefresh: false },
      world.platform,
    )
    await auth.login()
    await auth.handleRedirect(world.callbackFor())
    return { world, auth }
  }

  it('refreshes an access token that reached the leeway, and only then', async () => {
    const { world, auth } = await signedIn()
    world.advance(239_000) // 61 s left: outside the 60 s leeway
    expect(await auth.getAccessToken()).toBe('at-1')
    world.advance(2_000)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.tokenRequests.map((body) => body.get('grant_type'))).toEqual([
      'authorization_code',
      'refresh_token',
    ])
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
    expect(world.world.revoked).toEqual(['rt-1'])
    expect(await world.storage.keys()).toEqual([])
  })

  it('a login() started while logout() hands the page to the server starts no sign-in', async () => {
    // A protected page that answers `unauthenticated` with login() (React's <RequireAuth>) must
    // not send the user to sign in instead of signing out at the server.
    const { world, auth } = await signedIn()
    const navigations = world.navigations.length
    const logins: Promise<void>[] = []
    auth.subscribe((state) => {
      if (state.status === 'unauthenticated' && logins.length === 0) logins.push(auth.login())
    })
    await auth.logout()
    await Promise.all(logins)
    expect(logins).toHaveLength(1)
    const after = world.navigations.slice(navigations).map((url) => new URL(url).pathname)
    expect(after).toEqual(['/session/end'])

    // A page back from the back/forward cache can sign in again.
    world.world.setVisible(false)
    world.world.setVisible(true)
    await auth.login()
    expect(new URL(world.navigations.at(-1) as string).pathname).toBe('/auth')
  })

  it('a login() after a local-only logout signs in as usual', async () => {
    const { world, auth } = await signedIn()
    await auth.logout({ localOnly: true })
    await auth.login()
    expect(new URL(world.navigations.at(-1) as string).pathname).toBe('/auth')
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
