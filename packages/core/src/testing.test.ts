import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { type Auth, AuthError, type AuthState, type LoginOptions } from './index.js'
import { createTestAuth, TEST_ACCESS_TOKEN, TEST_USER, type TestAuth } from './testing.js'

afterEach(() => {
  vi.unstubAllGlobals()
})

/** Records every state the double publishes. */
function watch(auth: TestAuth): AuthState[] {
  const states: AuthState[] = []
  auth.subscribe((state) => states.push(state))
  return states
}

/** A stub of the global fetch that answers 200 and keeps the calls. */
function stubFetch() {
  const fetch = vi.fn<typeof globalThis.fetch>(async () => Response.json({ ok: true }))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

describe('createTestAuth()', () => {
  it('satisfies Auth', () => {
    const auth: Auth = createTestAuth()
    expectTypeOf(createTestAuth()).toExtend<Auth>()
    expect(typeof auth.loginWithPopup).toBe('function')
    expect(auth.tabId).toBe('test-tab')
  })

  it('starts signed out, or signed in when given a user, or loading when told', () => {
    expect(createTestAuth().getState()).toMatchObject({ status: 'unauthenticated', user: null })
    expect(createTestAuth({ user: { name: 'Ada' } }).getState()).toMatchObject({
      status: 'authenticated',
      user: { sub: 'test-user', name: 'Ada' },
      error: null,
      dpop: false,
    })
    expect(createTestAuth({ status: 'authenticated' }).getState().user).toEqual(TEST_USER)
    expect(createTestAuth({ user: { sub: 'ada' }, status: 'loading' }).getState()).toMatchObject({
      status: 'loading',
      user: null,
    })
  })

  it('returns the same frozen state until something changes, and tells every subscriber', () => {
    const auth = createTestAuth()
    const first = auth.getState()
    expect(auth.getState()).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    const states = watch(auth)
    auth.signOut() // no change: no new object, no call
    expect(auth.getState()).toBe(first)
    expect(states).toEqual([])
    auth.signIn()
    const signedIn = auth.getState()
    expect(signedIn).not.toBe(first)
    expect(Object.isFrozen(signedIn)).toBe(true)
    expect(auth.getState()).toBe(signedIn)
    expect(states).toEqual([signedIn])
  })

  it('stops calling a listener once unsubscribed', () => {
    const auth = createTestAuth()
    const listener = vi.fn()
    const unsubscribe = auth.subscribe(listener)
    auth.signIn()
    unsubscribe()
    auth.signOut()
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('signs in the given user, the option user or the default user, and signs out', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    try {
      const auth = createTestAuth({ user: { sub: 'ada', name: 'Ada' }, status: 'unauthenticated' })
      auth.signIn()
      expect(auth.getState()).toEqual({
        status: 'authenticated',
        user: { sub: 'ada', name: 'Ada' },
        error: null,
        expiresAt: 1_000_000 + 3_600_000,
        refreshedAt: null,
        refreshedBy: null,
        dpop: false,
        silent: false,
      })
      auth.signIn({ email: 'bob@example.com' })
      expect(auth.getState().user).toEqual({ sub: 'test-user', email: 'bob@example.com' })
      auth.signIn(undefined, { silent: true })
      expect(auth.getState()).toMatchObject({ user: { sub: 'ada' }, silent: true })
      auth.signOut()
      expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, error: null })
    } finally {
      vi.useRealTimers()
    }
  })

  it('settles a loading state to the option user, or to signed out', () => {
    const withUser = createTestAuth({ user: { sub: 'ada' }, status: 'loading' })
    withUser.settle()
    expect(withUser.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'ada' } })
    const signedIn = withUser.getState()
    withUser.settle() // not loading: nothing to do
    expect(withUser.getState()).toBe(signedIn)

    const anonymous = createTestAuth({ status: 'loading' })
    anonymous.settle()
    expect(anonymous.getState().status).toBe('unauthenticated')
  })

  it('expires the session as core does: unauthenticated with session_expired, then login_required', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    const error = auth.expire()
    expect(error).toBeInstanceOf(AuthError)
    expect(error.code).toBe('session_expired')
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, error })
    await expect(auth.getAccessToken()).rejects.toMatchObject({ code: 'login_required' })
  })
})

describe('fail()', () => {
  it('moves a signed-out state to error, and makes every method but logout reject with it', async () => {
    const auth = createTestAuth()
    const error = auth.fail('popup_blocked')
    expect(error).toBeInstanceOf(AuthError)
    expect(error.message).toContain('popup_blocked')
    expect(auth.getState()).toMatchObject({ status: 'error', user: null, error })
    await expect(auth.loginWithPopup()).rejects.toBe(error)
    await expect(auth.loginSilently()).rejects.toBe(error)
    await expect(auth.login()).rejects.toBe(error)
    await expect(auth.handleRedirect()).rejects.toBe(error)
    await expect(auth.getAccessToken()).rejects.toBe(error)
    await expect(auth.authFetch('/api/')).rejects.toBe(error)
    expect(auth.calls.loginWithPopup).toEqual([{}]) // recorded all the same
    await auth.logout()
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: null })
    await expect(auth.loginWithPopup()).rejects.toBe(error) // still failing after logout
    auth.signIn()
    await expect(auth.getAccessToken()).resolves.toBe(TEST_ACCESS_TOKEN)
  })

  it('keeps a signed-in user signed in with the error in the state, as core does', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    const error = auth.fail('network_error', 'The API is down.', { status: 503 })
    expect(error).toMatchObject({ code: 'network_error', message: 'The API is down.', status: 503 })
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'ada' }, error })
    await expect(auth.getAccessToken()).rejects.toBe(error)
    expect(auth.getState().status).toBe('authenticated')
    auth.signOut()
    await expect(auth.loginWithPopup()).resolves.toBeUndefined()
    expect(auth.getState().status).toBe('authenticated')
  })
})

describe('sign-in methods', () => {
  it('login() records its options and resolves without changing the state', async () => {
    const auth = createTestAuth()
    const before = auth.getState()
    await auth.login({ returnTo: '/account?tab=2' })
    expect(auth.calls.login).toEqual([{ returnTo: '/account?tab=2' }])
    expect(auth.getState()).toBe(before)
  })

  it('login() refuses a returnTo that is not a same-origin path, as core does', async () => {
    const auth = createTestAuth()
    await expect(auth.login({ returnTo: 'https://evil.example/' })).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    expect(auth.getState()).toMatchObject({ status: 'error', error: { code: 'invalid_argument' } })
  })

  it.each([
    ['a returnTo on another origin', { returnTo: 'https://evil.example/' }],
    ['a returnTo that normalises to //host', { returnTo: '/..//evil.example' }],
    ['a negative maxAge', { maxAge: -1 }],
    ['a maxAge that is no whole number', { maxAge: 1.5 }],
    ['empty acrValues', { acrValues: [] }],
    ['acrValues with a space in one', { acrValues: ['urn:a urn:b'] }],
    ['params setting state', { params: { state: 'chosen' } }],
    ['params setting redirect_uri', { params: { redirect_uri: 'https://evil.example/cb' } }],
    ['params with a non-string value', { params: { audience: 42 } }],
  ])('login() refuses %s, as core does', async (_, loginOptions) => {
    const auth = createTestAuth()
    await expect(auth.login(loginOptions as LoginOptions)).rejects.toMatchObject({
      name: 'AuthError',
      code: 'invalid_argument',
    })
    expect(auth.getState()).toMatchObject({ status: 'error', error: { code: 'invalid_argument' } })
  })

  it('login() accepts what core accepts: a deep link with %5C in its query, maxAge 0, acrValues, own params', async () => {
    const auth = createTestAuth()
    await auth.login({
      returnTo: '/files?dir=C%3A%5Creports',
      maxAge: 0,
      acrValues: ['urn:mfa'],
      params: { audience: 'https://api.example.com' },
    })
    expect(auth.getState().status).toBe('unauthenticated')
  })

  it('loginWithPopup() refuses maxAge and params as login() does, signing nobody in', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, status: 'unauthenticated' })
    await expect(auth.loginWithPopup({ maxAge: -1 })).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    await expect(auth.loginWithPopup({ params: { nonce: 'n' } })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('loginWithPopup() params'),
    })
    expect(auth.getState()).toMatchObject({ status: 'error', user: null })
  })

  it('logout() refuses a returnTo on another origin and reserved params, and changes nothing', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    const before = auth.getState()
    await expect(auth.logout({ returnTo: 'https://evil.example/' })).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    await expect(
      auth.logout({ params: { post_logout_redirect_uri: 'https://evil.example/' } }),
    ).rejects.toMatchObject({ code: 'invalid_argument' })
    expect(auth.getState()).toBe(before)
    await auth.logout({ returnTo: '/signed-out' })
    expect(auth.getState().status).toBe('unauthenticated')
  })

  it('loginWithPopup() and loginSilently() record their options and sign the test user in', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, status: 'unauthenticated' })
    const states = watch(auth)
    await auth.loginWithPopup({ loginHint: 'ada' })
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'ada' } })
    expect(auth.getState().silent).toBe(false)
    auth.signOut()
    await auth.loginSilently()
    expect(auth.getState()).toMatchObject({ user: { sub: 'ada' }, silent: true })
    expect(auth.calls.loginWithPopup).toEqual([{ loginHint: 'ada' }])
    expect(auth.calls.loginSilently).toEqual([{}])
    expect(states.map((state) => state.status)).toEqual([
      'authenticated',
      'unauthenticated',
      'authenticated',
    ])
  })

  it('handleRedirect() resolves null by default and records each call', async () => {
    const auth = createTestAuth()
    expect(await auth.handleRedirect()).toBeNull()
    expect(await auth.handleRedirect(new URL('https://app.example/callback?code=c'))).toBeNull()
    expect(auth.calls.handleRedirect).toEqual([undefined, 'https://app.example/callback?code=c'])
    expect(auth.getState().status).toBe('unauthenticated')
  })

  it('handleRedirect() with a redirectResult signs in once and shares the result', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, redirectResult: { returnTo: '/account' } })
    auth.signOut()
    const states = watch(auth)
    const [first, second] = await Promise.all([auth.handleRedirect(), auth.handleRedirect()])
    expect(first).toEqual({ returnTo: '/account' })
    expect(second).toBe(first)
    expect(states).toHaveLength(1)
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'ada' } })
  })

  it('logout() records its options and signs out', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    await auth.logout({ localOnly: true })
    expect(auth.calls.logout).toEqual([{ localOnly: true }])
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null, error: null })
  })
})

describe('tokens', () => {
  it('getAccessToken() resolves with the test token when signed in, and records its options', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe(TEST_ACCESS_TOKEN)
    expect(auth.calls.getAccessToken).toEqual([{ forceRefresh: true }])
  })

  it('authFetch() calls the global fetch of the moment with the test token', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    const fetch = stubFetch() // stubbed after createTestAuth(): looked up at call time
    const response = await auth.authFetch('/api/me', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(await response.json()).toEqual({ ok: true })
    expect(fetch).toHaveBeenCalledTimes(1)
    const [input, init] = fetch.mock.calls[0] ?? []
    expect(input).toBe('/api/me') // passed as given, so relative URLs reach the app's own mocks
    expect(init?.method).toBe('POST')
    expect(init?.body).toBe('{}')
    const headers = new Headers(init?.headers)
    expect(headers.get('authorization')).toBe(`Bearer ${TEST_ACCESS_TOKEN}`)
    expect(headers.get('content-type')).toBe('application/json')
  })

  it('authFetch() sends the test token only to the page and apiOrigins, as core does', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, apiOrigins: ['https://api.example.com'] })
    const fetch = stubFetch()
    for (const url of [
      'https://evil.example/steal',
      'https://api.example.com.evil.example/',
      'http://api.example.com/me',
    ]) {
      await expect(auth.authFetch(url)).rejects.toMatchObject({
        name: 'AuthError',
        code: 'origin_not_allowed',
      })
    }
    await expect(auth.authFetch('https://user:pw@api.example.com/me')).rejects.toMatchObject({
      code: 'invalid_argument',
    })
    expect(fetch).not.toHaveBeenCalled()
    // Checked before the session, as the real one does: a signed-out call says the same.
    auth.signOut()
    await expect(auth.authFetch('https://evil.example/')).rejects.toMatchObject({
      code: 'origin_not_allowed',
    })
    auth.signIn()
    await auth.authFetch('https://api.example.com/me')
    await auth.authFetch('/api/me')
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it("authFetch() keeps a Request's own headers", async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, apiOrigins: ['https://api.example.com'] })
    const fetch = stubFetch()
    const request = new Request('https://api.example.com/me', { headers: { 'x-trace': '1' } })
    await auth.authFetch(request)
    const headers = new Headers(fetch.mock.calls[0]?.[1]?.headers)
    expect(fetch.mock.calls[0]?.[0]).toBe(request)
    expect(headers.get('x-trace')).toBe('1')
    expect(headers.get('authorization')).toBe(`Bearer ${TEST_ACCESS_TOKEN}`)
  })

  it('authFetch() rejects with login_required when signed out, before any request', async () => {
    const auth = createTestAuth()
    const fetch = stubFetch()
    const rejection = auth.authFetch('/api/me')
    await expect(rejection).rejects.toBeInstanceOf(AuthError)
    await expect(rejection).rejects.toMatchObject({ code: 'login_required' })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('authFetch() turns a failed fetch into network_error, and keeps an abort as it is', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' } })
    const refused = new TypeError('fetch failed')
    vi.stubGlobal('fetch', async () => {
      throw refused
    })
    await expect(auth.authFetch('/api/me')).rejects.toMatchObject({
      code: 'network_error',
      cause: refused,
    })
    const controller = new AbortController()
    const abort = new DOMException('aborted', 'AbortError')
    controller.abort(abort)
    vi.stubGlobal('fetch', async () => {
      throw abort
    })
    await expect(auth.authFetch('/api/me', { signal: controller.signal })).rejects.toBe(abort)
  })

  it('token reads wait while the state is loading, as core waits for the session', async () => {
    const auth = createTestAuth({ user: { sub: 'ada' }, status: 'loading' })
    const fetch = stubFetch()
    const response = auth.authFetch('/api/me')
    const token = auth.getAccessToken()
    await Promise.resolve()
    expect(fetch).not.toHaveBeenCalled()
    auth.settle()
    expect((await response).status).toBe(200)
    expect(await token).toBe(TEST_ACCESS_TOKEN)
  })
})

// The example of docs/guides/testing.md, with the app's code inlined.
async function loadProfile(auth: Auth): Promise<unknown> {
  return (await auth.authFetch('/api/me')).json()
}

it('runs the README example', async () => {
  const fetch = vi.fn<typeof globalThis.fetch>(async () => Response.json({ name: 'Ada' }))
  vi.stubGlobal('fetch', fetch)
  const auth = createTestAuth({ user: { sub: 'ada', name: 'Ada' } })
  expect(await loadProfile(auth)).toEqual({ name: 'Ada' })
  const headers = new Headers(fetch.mock.calls[0]?.[1]?.headers)
  expect(headers.get('authorization')).toBe(`Bearer ${TEST_ACCESS_TOKEN}`)
  auth.expire()
  await expect(loadProfile(auth)).rejects.toMatchObject({ code: 'login_required' })
})
