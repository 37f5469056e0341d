// @latchkey/core/testing: an Auth for an app's unit tests, with no server and no browser APIs.
// It refuses what the real client refuses, with the real client's own checks, so an app's tests
// cannot pass where production fails.
import { checkTokenTarget } from './first/authFetch.js'
import { AuthError, type AuthErrorCode, type AuthErrorDetails } from './first/errors.js'
import { SIGNED_OUT, StateStore, type User } from './first/state.js'
import {
  AUTHORIZATION_PARAMS,
  checkAcrValues,
  checkMaxAge,
  checkParams,
  LOGOUT_PARAMS,
} from './flows/extraParams.js'
import { sanitizeLogoutReturnTo, sanitizeReturnTo } from './flows/returnTo.js'
import type {
  Auth,
  GetAccessTokenOptions,
  LoginOptions,
  LogoutOptions,
  PopupLoginOptions,
  RedirectResult,
  SilentLoginOptions,
} from './index.js'

/**
 * The access token a test double sends: `authFetch()` attaches it as
 * `Authorization: Bearer latchkey-test-token`, and `getAccessToken()` resolves with it.
 */
export const TEST_ACCESS_TOKEN = 'latchkey-test-token'

/** The user a test double signs in when none is given: `{ sub: 'test-user', name: 'Test User' }`. */
export const TEST_USER: Readonly<User> = Object.freeze({ sub: 'test-user', name: 'Test User' })

/** How long a test sign-in's access token lives, as shown in `state.expiresAt`. */
const TOKEN_LIFETIME_MS = 3_600_000

/** Options of {@link createTestAuth}. */
export interface TestAuthOptions {
  /**
   * The user of the test: signed in from the start (unless `status` says otherwise), and the one
   * that {@link TestAuth.signIn}, {@link TestAuth.settle}, `loginWithPopup()`, `loginSilently()`
   * and a `handleRedirect()` with a `redirectResult` sign in. `sub` defaults to `'test-user'`;
   * the other claims are exactly those given.
   * @default {@link TEST_USER}, but signed out at the start
   */
  user?: Partial<User>
  /**
   * The state to start in. `'loading'` lets a test see what the app shows while the SDK restores
   * the session; {@link TestAuth.settle} (or any other control) ends it.
   * @default `'authenticated'` when `user` is given, `'unauthenticated'` otherwise
   */
  status?: 'loading' | 'authenticated' | 'unauthenticated'
  /**
   * What `handleRedirect()` resolves with, as on the callback page after a sign-in. When it is not
   * `null`, the first `handleRedirect()` call also signs the user in; later calls resolve with the
   * same result and change nothing, as the real one does for a callback it has handled.
   * @default null (the page is no callback)
   */
  redirectResult?: RedirectResult | null
  /**
   * The origins `authFetch()` may send the test token to besides the page's own, as the app
   * gives them to `createAuth({ apiOrigins })` (bare origins, such as `https://api.example.com`):
   * a request anywhere else rejects with `origin_not_allowed`, as the real one does. The origins
   * of the app's `apis` go here too: every call gets the one test token, and
   * `getAccessToken({ api })` resolves with it as well.
   * @default [] (the page's origin only)
   */
  apiOrigins?: readonly string[]
}

/** Options of {@link TestAuth.signIn}. */
export interface TestSignInOptions {
  /**
   * Sign in as a silent sign-in does (the restore on load, or `loginSilently()`): `state.silent`
   * is `true`.
   * @default false
   */
  silent?: boolean
}

/**
 * The calls an app made, in order, each with the options it passed (`{}` when none), so a test
 * can assert e.g. that a guard started exactly one login with `returnTo: '/account'`.
 */
export interface TestAuthCalls {
  readonly login: readonly LoginOptions[]
  readonly loginWithPopup: readonly PopupLoginOptions[]
  readonly loginSilently: readonly SilentLoginOptions[]
  /** The URL passed to each call as a string, or `undefined` when none was. */
  readonly handleRedirect: readonly (string | undefined)[]
  readonly getAccessToken: readonly GetAccessTokenOptions[]
  readonly logout: readonly LogoutOptions[]
}

/**
 * An {@link Auth} for tests, returned by {@link createTestAuth}: the app uses it as it uses the
 * real one, and the test drives it with the controls below. A control changes the state at once
 * (subscribers are called synchronously), and all but `fail()` clear a failure that
 * {@link TestAuth.fail} set (`settle()` only when it ends a `loading` state).
 */
export interface TestAuth extends Auth {
  /** Every call of the sign-in, token and logout methods so far. */
  readonly calls: TestAuthCalls
  /**
   * Signs a user in: state `authenticated`, `expiresAt` an hour from now, no error.
   * @param user the claims; `sub` defaults to `'test-user'`, other claims are exactly those
   *   given. @default the `user` option, else {@link TEST_USER}
   */
  signIn(user?: Partial<User>, options?: TestSignInOptions): void
  /** Signs out: state `unauthenticated`, no user, no error. */
  signOut(): void
  /**
   * Makes the SDK fail with `code`, as a failed call of the real one does: with no user signed in
   * the state turns `error`; a signed-in user stays `authenticated` with the error in
   * `state.error`. From then on every `login()`, `loginWithPopup()`, `loginSilently()`,
   * `handleRedirect()`, `getAccessToken()` and `authFetch()` call rejects with this same error
   * (recorded in {@link TestAuth.calls} all the same), until {@link TestAuth.signIn},
   * {@link TestAuth.signOut}, {@link TestAuth.expire}, {@link TestAuth.settle} or another `fail()`;
   * `logout()` still signs out (and the failure stays).
   * @returns the {@link AuthError}, a real instance, for assertions.
   */
  fail(code: AuthErrorCode, message?: string, details?: AuthErrorDetails): AuthError
  /**
   * Ends the session as the real SDK does when the server refuses to refresh it: state
   * `unauthenticated` with a `session_expired` error; token reads then reject with `login_required`.
   * @returns the `session_expired` {@link AuthError}.
   */
  expire(): AuthError
  /**
   * Ends a `loading` state: signs in the `user` option when one was given, signs out otherwise.
   * Does nothing in any other state.
   */
  settle(): void
}

/**
 * Creates a test double of {@link Auth} for an app's unit tests (React, Vue or plain): no server,
 * no storage, no navigation, no timers. Its state follows the same rules as the real one
 * (`getState()` returns the same frozen object until something changes; `subscribe()` returns its
 * unsubscribe function), and it fails with real {@link AuthError} instances.
 *
 * Each method checks its arguments with the real client's own checks, so what production refuses
 * the double refuses too, with the same {@link AuthError}:
 *
 * - `login()` records its options and resolves without navigating (the real one leaves the page);
 *   a `returnTo` that is not a same-origin path, a `maxAge` that is not a whole number of seconds
 *   0 or more, or `params` that set what only the SDK sets (`state`, `nonce`, `redirect_uri`,
 *   ...) reject with `invalid_argument` (and the state turns `error`), as they would.
 * - `loginWithPopup()` and `loginSilently()` record their options and sign the test's user in
 *   (`loginSilently()` with `state.silent` set); `loginWithPopup()` checks `maxAge` and `params`
 *   as `login()` does.
 * - `handleRedirect()` records its URL and resolves with the `redirectResult` option (`null`).
 * - `getAccessToken()` resolves with {@link TEST_ACCESS_TOKEN}; `authFetch()` calls the global
 *   `fetch`, looked up at call time (so `vi.stubGlobal` or msw apply), with
 *   `Authorization: Bearer latchkey-test-token` and the rest of the request as given, only to the
 *   page's origin and the `apiOrigins` option: another origin rejects with `origin_not_allowed`
 *   before anything else (plain `http` too, except on loopback), as the real one does. Both reject
 *   with `login_required` when signed out, wait while the state is `loading` (as the real ones
 *   wait for the session to be restored), and `authFetch()` rejects with `network_error` when
 *   `fetch` does (an abort keeps fetch's own `AbortError`).
 * - `logout()` records its options and signs out; a `returnTo` on another origin, or `params`
 *   setting `client_id`, `id_token_hint` or `post_logout_redirect_uri`, reject with
 *   `invalid_argument` and change nothing, as they would.
 *
 * After {@link TestAuth.fail} every method but `logout()` rejects with that error until another
 * control is called. Every method records its call first, and changes the state synchronously
 * (before its promise settles), as far as it changes it.
 * @example
 * const auth = createTestAuth({ user: { sub: 'ada', name: 'Ada' } })
 * auth.expire() // state: unauthenticated, error.code 'session_expired'
 */
export function createTestAuth(options: TestAuthOptions = {}): TestAuth {
  const testUser = options.user
  const { apiOrigins = [] } = options
  const store = new StateStore(
    options.status === 'loading' ? { ...SIGNED_OUT, status: 'loading' } : SIGNED_OUT,
  )
  let failure: AuthError | null = null
  let redirectHandled = false
  const calls = {
    login: [] as LoginOptions[],
    loginWithPopup: [] as PopupLoginOptions[],
    loginSilently: [] as SilentLoginOptions[],
    handleRedirect: [] as (string | undefined)[],
    getAccessToken: [] as GetAccessTokenOptions[],
    logout: [] as LogoutOptions[],
  }

  function signIn(user: Partial<User> | undefined = testUser, how: TestSignInOptions = {}): void {
    failure = null
    store.set({
      status: 'authenticated',
      user: user === undefined ? { ...TEST_USER } : { sub: TEST_USER.sub, ...user },
      error: null,
      expiresAt: Date.now() + TOKEN_LIFETIME_MS,
      refreshedAt: null,
      refreshedBy: null,
      dpop: false,
      silent: how.silent === true,
    })
  }

  function signOut(error: AuthError | null = null): void {
    failure = null
    store.set({ ...SIGNED_OUT, error })
  }

  /** Shows `error` as the real SDK shows a failed call: a signed-in user stays signed in. */
  function show(error: AuthError): void {
    const state = store.get()
    store.set(
      state.status === 'authenticated'
        ? { ...state, error }
        : { ...SIGNED_OUT, status: 'error', error },
    )
  }

  function reject(error: AuthError): never {
    show(error)
    throw error
  }

  /** Resolves once the state is no longer `loading`. */
  function settled(): Promise<void> {
    if (store.get().status !== 'loading') return Promise.resolve()
    return new Promise((resolve) => {
      const unsubscribe = store.subscribe((state) => {
        if (state.status === 'loading') return
        unsubscribe()
        resolve()
      })
    })
  }

  /** Throws the failure set by fail(), or `login_required` when nobody is signed in. */
  async function token(): Promise<string> {
    await settled()
    if (failure !== null) throw failure
    if (store.get().status !== 'authenticated') {
      throw new AuthError('login_required', 'No user is signed in: call login() first.')
    }
    return TEST_ACCESS_TOKEN
  }

  /** The real sign-in's checks of its options (`call` names the method in messages). */
  function checkLogin(loginOptions: LoginOptions, call: string): void {
    try {
      if (loginOptions.returnTo !== undefined) {
        sanitizeReturnTo(loginOptions.returnTo, page().origin, AuthError)
      }
      checkMaxAge(loginOptions.maxAge, AuthError)
      checkAcrValues(loginOptions.acrValues, AuthError)
      checkParams(
        `${call} params`,
        loginOptions.params,
        'invalid_argument',
        AUTHORIZATION_PARAMS,
        AuthError,
      )
    } catch (error) {
      reject(error as AuthError)
    }
  }

  if (
    options.status === 'authenticated' ||
    (options.status === undefined && testUser !== undefined)
  ) {
    signIn()
  }

  return {
    calls,
    async login(loginOptions = {}) {
      calls.login.push({ ...loginOptions })
      if (failure !== null) reject(failure)
      checkLogin(loginOptions, 'login()')
    },
    async loginWithPopup(popupOptions = {}) {
      calls.loginWithPopup.push({ ...popupOptions })
      if (failure !== null) reject(failure)
      checkLogin(popupOptions, 'loginWithPopup()')
      signIn()
    },
    async loginSilently(silentOptions = {}) {
      calls.loginSilently.push({ ...silentOptions })
      if (failure !== null) reject(failure)
      signIn(testUser, { silent: true })
    },
    async handleRedirect(url) {
      calls.handleRedirect.push(url === undefined ? undefined : String(url))
      if (failure !== null) reject(failure)
      const result = options.redirectResult ?? null
      if (result !== null && !redirectHandled) {
        redirectHandled = true
        signIn()
      }
      return result
    },
    async getAccessToken(tokenOptions = {}) {
      calls.getAccessToken.push({ ...tokenOptions })
      return token()
    },
    async authFetch(input, init) {
      // The URL first, before any token is asked for, as the real authFetch() checks it.
      checkTokenTarget(input, page(), [page().origin, ...apiOrigins])
      const headers = new Headers(
        init?.headers ?? (input instanceof Request ? input.headers : undefined),
      )
      headers.set('Authorization', `Bearer ${await token()}`)
      try {
        return await globalThis.fetch(input, { ...init, headers })
      } catch (error) {
        // An abort the caller asked for keeps fetch's own AbortError, as with the real authFetch.
        if (init?.signal?.aborted || (input instanceof Request && input.signal.aborted)) throw error
        throw new AuthError(
          'network_error',
          `authFetch() could not complete the request: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
      }
    },
    async logout(logoutOptions = {}) {
      calls.logout.push({ ...logoutOptions })
      // Checked before anything is cleared: a logout that throws has changed nothing.
      if (logoutOptions.returnTo !== undefined) {
        sanitizeLogoutReturnTo(logoutOptions.returnTo, page(), AuthError)
      }
      checkParams(
        'logout() params',
        logoutOptions.params,
        'invalid_argument',
        new Set([...LOGOUT_PARAMS, 'post_logout_redirect_uri']),
        AuthError,
      )
      store.set({ ...SIGNED_OUT })
    },
    getState: () => store.get(),
    subscribe: (listener) => store.subscribe(listener),
    tabId: 'test-tab',
    signIn,
    signOut: () => signOut(),
    fail(code, message, details) {
      const error = new AuthError(
        code,
        message ?? `Test failure: ${code} (set by createTestAuth().fail()).`,
        details,
      )
      show(error)
      failure = error
      return error
    },
    expire() {
      const error = new AuthError(
        'session_expired',
        'The session ended (expired by the test). Please sign in again.',
      )
      signOut(error)
      return error
    },
    settle() {
      if (store.get().status !== 'loading') return
      if (testUser === undefined) signOut()
      else signIn()
    },
  }
}

/** The page, for checking URLs; `http://localhost/` where tests run without one. */
function page(): URL {
  const href = globalThis.location?.href
  return new URL(href?.startsWith('http') ? href : 'http://localhost/')
}
