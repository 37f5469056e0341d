import * as oauth from 'oauth4webapi'
import { type AuthFetch, createAuthFetch } from './authFetch.js'
import { callbackDefect, isCallbackUrl, stripCallbackParams } from './callbackUrl.js'
import { type AuthConfig, resolveConfig } from './config.js'
import { createDiscovery, requestOptions } from './discovery.js'
import { AuthError } from './errors.js'
import { toAuthError } from './lib/toAuthError.js'
import { browserPlatform, type Platform } from './platform.js'
import { safeReturnTo, sanitizeReturnTo } from './returnTo.js'
import { type Session, sessionFromTokenResponse } from './session.js'
import { type AuthListener, type AuthState, StateStore } from './state.js'
import { TransactionStore } from './transaction.js'

/** Options of {@link Auth.login}. */
export interface LoginOptions {
  /**
   * The path on this app to return to after signing in, e.g. `/account`. Only same-origin paths
   * are accepted.
   * @default the current page's path, query and fragment
   */
  returnTo?: string
  /** The OpenID Connect `prompt` parameter, e.g. `'login'` or `'consent'`. */
  prompt?: string
  /** The OpenID Connect `login_hint` parameter: the user's name or email, prefilled at the server. */
  loginHint?: string
  /**
   * Extra authorization request parameters (e.g. `ui_locales`). Parameters the SDK sets itself
   * (`state`, `nonce`, `code_challenge`, `redirect_uri`, ...) cannot be overridden.
   */
  params?: Record<string, string>
}

/** What {@link Auth.handleRedirect} resolves with after a successful sign-in. */
export interface RedirectResult {
  /** The same-origin path passed to {@link Auth.login} as `returnTo`. */
  returnTo: string
}

/** Options of {@link Auth.logout}. */
export interface LogoutOptions {
  /**
   * Where the server sends the browser after signing out; must be registered at the server.
   * @default the configured `postLogoutRedirectUri`
   */
  returnTo?: string
  /** Only clear the session in this app; do not end the session at the authorization server. */
  localOnly?: boolean
}

/** Options of {@link Auth.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Ignore the current access token's lifetime. Refresh support comes in a later version. */
  forceRefresh?: boolean
}

/** The object returned by {@link createAuth}. */
export interface Auth {
  /**
   * Starts Authorization Code + PKCE: stores a one-time transaction and navigates to the
   * authorization endpoint. The returned promise settles once navigation has started.
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo` or `params`), `discovery_failed`,
   *   `issuer_mismatch`, `storage_unavailable`.
   * @see {@link https://www.rfc-editor.org/rfc/rfc7636 | RFC 7636 (PKCE)}
   */
  login(options?: LoginOptions): Promise<void>
  /**
   * Completes sign-in on the redirect URI. Resolves with `null` when `url` is not an authorization
   * response; otherwise validates it against its one-time transaction, exchanges the code, validates
   * the ID token, stores the session and removes the response parameters from the address bar.
   * Calling it again for the same URL returns the first call's result without a second exchange.
   * @param url the callback URL @default `window.location.href`
   * @throws {@link AuthError} `state_mismatch`, `transaction_missing`, `issuer_mismatch`,
   *   `authorization_denied`, `invalid_callback`, `token_request_failed`, `id_token_invalid`,
   *   `network_error`, `timeout`, `discovery_failed`, `storage_unavailable`.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9207 | RFC 9207 (iss)}
   */
  handleRedirect(url?: string | URL): Promise<RedirectResult | null>
  /**
   * Returns a valid access token.
   * @throws {@link AuthError} `login_required` when signed out, `session_expired` when the token
   *   has expired.
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <token>` attached. Tokens go only to the app's own origin
   * and the configured `apiOrigins`, compared exactly; anything else is refused before any request.
   * @throws {@link AuthError} `origin_not_allowed`, and whatever {@link Auth.getAccessToken} throws.
   */
  authFetch: AuthFetch
  /**
   * Clears the session and, unless `localOnly`, ends the session at the authorization server
   * (navigating to its `end_session_endpoint` with `id_token_hint` and `post_logout_redirect_uri`).
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo`), `discovery_failed` (the local
   *   session is cleared anyway).
   * @see {@link https://openid.net/specs/openid-connect-rpinitiated-1_0.html | OpenID Connect RP-Initiated Logout}
   */
  logout(options?: LogoutOptions): Promise<void>
  /** The current state; the same object until something changes. */
  getState(): AuthState
  /** Calls `listener` with every new state. Returns the function that unsubscribes. */
  subscribe(listener: AuthListener): () => void
}

// Authorization request parameters that only the SDK may set.
const RESERVED_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'resource',
  'request',
  'request_uri',
  'prompt',
  'login_hint',
])

const SIGNED_OUT: AuthState = {
  status: 'unauthenticated',
  user: null,
  error: null,
  expiresAt: null,
}

/**
 * Creates a Latchkey client for one authorization server and client. Nothing is fetched until the
 * first call that needs the server.
 * @throws {@link AuthError} `config_invalid` with a message naming the option to fix.
 * @platform `platform` replaces the browser's side effects, for tests.
 */
export function createAuth(config: AuthConfig, platform: Platform = browserPlatform()): Auth {
  const cfg = resolveConfig(config)
  const client: oauth.Client = { client_id: cfg.clientId }
  const discover = createDiscovery(cfg, platform)
  const transactions = new TransactionStore(platform.storage, cfg.issuer.href, cfg.clientId)
  const store = new StateStore(SIGNED_OUT)
  const options = () => requestOptions(cfg, platform)
  const appOrigin = () => platform.currentUrl().origin
  // One promise per callback URL (before and after cleanup), so repeated calls share one exchange.
  const redirects = new Map<string, Promise<RedirectResult | null>>()
  let session: Session | null = null

  function fail(error: AuthError): never {
    store.set({ status: 'error', user: null, error, expiresAt: null })
    throw error
  }

  function setSession(next: Session | null): void {
    session = next
    store.set(
      next === null
        ? SIGNED_OUT
        : { status: 'authenticated', user: next.user, error: null, expiresAt: next.expiresAt },
    )
  }

  async function login(loginOptions: LoginOptions = {}): Promise<void> {
    const page = platform.currentUrl()
    const returnTo =
      loginOptions.returnTo === undefined
        ? isCallbackUrl(page, cfg.redirectUrl)
          ? '/'
          : `${page.pathname}${page.search}${page.hash}`
        : sanitizeReturnTo(loginOptions.returnTo, page.origin)
    const extra = loginOptions.params ?? {}
    for (const [name, value] of Object.entries(extra)) {
      if (RESERVED_PARAMS.has(name) || typeof value !== 'string') {
        throw new AuthError(
          'invalid_argument',
          `login() params cannot set "${name}"${typeof value !== 'string' ? ' to a non-string' : ''}: use the matching option instead.`,
        )
      }
    }

    const as = await discover()
    const codeVerifier = oauth.generateRandomCodeVerifier()
    const state = oauth.generateRandomState()
    const nonce = cfg.scope.split(' ').includes('openid') ? oauth.generateRandomNonce() : undefined
    try {
      await transactions.purgeExpired(platform.now())
      await transactions.save({
        state,
        issuer: as.issuer,
        clientId: cfg.clientId,
        redirectUri: cfg.redirectUri,
        codeVerifier,
        ...(nonce === undefined ? {} : { nonce }),
        returnTo,
        createdAt: platform.now(),
      })
    } catch (error) {
      throw new AuthError(
        'storage_unavailable',
        'login() could not store its one-time transaction in IndexedDB, which must survive the redirect. Private browsing modes may block IndexedDB.',
        { cause: error },
      )
    }

    const url = new URL(as.authorization_endpoint as string)
    const params = url.searchParams
    params.set('client_id', cfg.clientId)
    params.set('redirect_uri', cfg.redirectUri)
    params.set('response_type', 'code')
    params.set('scope', cfg.scope)
    params.set('state', state)
    if (nonce !== undefined) params.set('nonce', nonce)
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
    params.set('code_challenge_method', 'S256')
    if (cfg.resource !== undefined) params.set('resource', cfg.resource)
    if (loginOptions.prompt !== undefined) params.set('prompt', loginOptions.prompt)
    if (loginOptions.loginHint !== undefined) params.set('login_hint', loginOptions.loginHint)
    for (const [name, value] of Object.entries(extra)) params.set(name, value)
    platform.navigate(url.href)
  }

  function handleRedirect(input?: string | URL): Promise<RedirectResult | null> {
    const page = platform.currentUrl()
    let url: URL
    try {
      url = input === undefined ? page : new URL(String(input), page)
    } catch {
      return Promise.reject(
        new AuthError('invalid_argument', 'handleRedirect() was given an invalid URL.'),
      )
    }
    const known = redirects.get(url.href)
    if (known !== undefined) return known
    if (!isCallbackUrl(url, cfg.redirectUrl)) return Promise.resolve(null)

    const cleaned = stripCallbackParams(url)
    const result = completeRedirect(url).finally(() => {
      // Success or failure, the code and state leave the address bar without a new history entry.
      if (platform.currentUrl().href === url.href) platform.replaceUrl(cleaned)
    })
    redirects.set(url.href, result)
    redirects.set(cleaned, result)
    return result
  }

  async function completeRedirect(url: URL): Promise<RedirectResult> {
    store.set({ ...store.get(), status: 'loading' })
    const params = url.searchParams
    const defect = callbackDefect(params)
    const ambiguous = () =>
      new AuthError('invalid_callback', `The callback URL is ambiguous: ${defect}.`)
    const state = params.get('state')
    if (state === null || state === '') {
      fail(
        defect === undefined
          ? new AuthError(
              'state_mismatch',
              'The callback URL has no `state`: it was not started by login() in this browser.',
            )
          : ambiguous(),
      )
    }
    let taken: Awaited<ReturnType<TransactionStore['take']>>
    try {
      taken = await transactions.take(state, platform.now())
    } catch (error) {
      fail(
        new AuthError(
          'storage_unavailable',
          'handleRedirect() could not read the login transaction from IndexedDB.',
          { cause: error },
        ),
      )
    }
    // Checked after take() so that a tampered response also uses up its transaction.
    if (defect !== undefined) fail(ambiguous())
    if (taken.kind === 'expired') {
      fail(
        new AuthError(
          'transaction_missing',
          'This sign-in took longer than 10 minutes and has expired. Please sign in again.',
        ),
      )
    }
    if (taken.kind === 'missing') {
      fail(
        taken.otherPending
          ? new AuthError(
              'state_mismatch',
              'The callback `state` does not match the sign-in started in this browser. The link may be forged; please sign in again.',
            )
          : new AuthError(
              'transaction_missing',
              'No sign-in is pending for this callback: it was already used, or was not started in this browser.',
            ),
      )
    }
    const transaction = taken.transaction
    if (
      transaction.issuer !== cfg.issuer.href &&
      new URL(transaction.issuer).href !== cfg.issuer.href
    ) {
      fail(
        new AuthError('issuer_mismatch', 'This callback belongs to a sign-in with another issuer.'),
      )
    }

    let as: oauth.AuthorizationServer
    try {
      as = await discover()
    } catch (error) {
      fail(toAuthError(error, 'discovery_failed', 'Discovery'))
    }
    let callbackParams: URLSearchParams
    try {
      callbackParams = oauth.validateAuthResponse(as, client, params, transaction.state)
    } catch (error) {
      fail(callbackError(error, params))
    }

    let tokens: oauth.TokenEndpointResponse
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        callbackParams,
        transaction.redirectUri,
        transaction.codeVerifier,
        {
          ...options(),
          ...(cfg.resource === undefined
            ? {}
            : { additionalParameters: { resource: cfg.resource } }),
        },
      )
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: transaction.nonce ?? oauth.expectNoNonce,
        requireIdToken: transaction.nonce !== undefined,
      })
    } catch (error) {
      fail(tokenError(error, 'The code exchange'))
    }
    if (tokens.token_type !== 'bearer') {
      fail(
        new AuthError(
          'token_request_failed',
          `The token endpoint issued a "${tokens.token_type}" token where a Bearer token was requested.`,
        ),
      )
    }
    setSession(
      sessionFromTokenResponse(tokens, oauth.getValidatedIdTokenClaims(tokens), platform.now()),
    )
    return { returnTo: safeReturnTo(transaction.returnTo, appOrigin()) }
  }

  async function getAccessToken(_options: GetAccessTokenOptions = {}): Promise<string> {
    if (session === null) {
      throw new AuthError('login_required', 'No user is signed in: call login() first.')
    }
    if (session.expiresAt !== null && platform.now() >= session.expiresAt) {
      setSession(null)
      fail(new AuthError('session_expired', 'The access token has expired. Please sign in again.'))
    }
    return session.accessToken
  }

  async function logout(logoutOptions: LogoutOptions = {}): Promise<void> {
    let target = cfg.postLogoutRedirectUri
    if (logoutOptions.returnTo !== undefined) {
      let url: URL
      try {
        url = new URL(logoutOptions.returnTo, platform.currentUrl())
      } catch {
        throw new AuthError('invalid_argument', 'logout() returnTo must be a URL on this app.')
      }
      if (url.origin !== appOrigin()) {
        throw new AuthError('invalid_argument', "logout() returnTo must be on this app's origin.")
      }
      target = url.href
    }
    const idToken = session?.idToken
    setSession(null)
    await transactions.clear().catch(() => undefined)
    if (logoutOptions.localOnly) return
    const as = await discover()
    if (as.end_session_endpoint === undefined) return
    const url = new URL(as.end_session_endpoint)
    url.searchParams.set('client_id', cfg.clientId)
    if (idToken !== undefined) url.searchParams.set('id_token_hint', idToken)
    url.searchParams.set('post_logout_redirect_uri', target)
    platform.navigate(url.href)
  }

  return {
    login,
    handleRedirect,
    getAccessToken,
    authFetch: createAuthFetch({
      fetch: platform.fetch,
      currentUrl: platform.currentUrl,
      apiOrigins: cfg.apiOrigins,
      getAccessToken: () => getAccessToken(),
    }),
    logout,
    getState: () => store.get(),
    subscribe: (listener) => store.subscribe(listener),
  }
}

/** Classifies a failed authorization response check. */
function callbackError(error: unknown, params: URLSearchParams): AuthError {
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description
    return new AuthError(
      'authorization_denied',
      `The authorization server refused the sign-in: ${error.error}${description ? ` (${description})` : ''}.`,
      description === undefined
        ? { error: error.error }
        : { error: error.error, errorDescription: description },
    )
  }
  if (error instanceof oauth.OperationProcessingError && /"iss"/.test(error.message)) {
    return new AuthError(
      'issuer_mismatch',
      params.has('iss')
        ? "The callback's `iss` does not name the issuer this sign-in was started with (RFC 9207): possible mix-up attack."
        : 'The callback has no `iss` although the server promises one (RFC 9207).',
    )
  }
  if (error instanceof oauth.OperationProcessingError && /"state"/.test(error.message)) {
    return new AuthError('state_mismatch', 'The callback `state` does not match its sign-in.')
  }
  return toAuthError(error, 'invalid_callback', 'The callback')
}

/** Classifies a failed token request or response: bad ID tokens get their own code. */
function tokenError(error: unknown, what: string): AuthError {
  if (
    error instanceof oauth.OperationProcessingError &&
    (error.code === oauth.JWT_CLAIM_COMPARISON ||
      error.code === oauth.JWT_TIMESTAMP_CHECK ||
      /ID Token|JWT/.test(error.message))
  ) {
    return new AuthError(
      'id_token_invalid',
      `${what} returned an ID token that failed validation: ${error.message}.`,
    )
  }
  return toAuthError(error, 'token_request_failed', what)
}
