import * as oauth from 'oauth4webapi'
import { type AuthFetch, createAuthFetch } from './authFetch.js'
import { callbackDefect, isCallbackUrl, stripCallbackParams } from './callbackUrl.js'
import { type AuthConfig, type ResolvedConfig, resolveConfig } from './config.js'
import { createDiscovery, requestOptions } from './discovery.js'
import { type BoundKey, DpopKeys, pickDpopAlg } from './dpop.js'
import { AuthError, isAuthError } from './errors.js'
import { unreadableNonce } from './lib/dpopNonce.js'
import { withFallback } from './lib/kv.js'
import { toAuthError } from './lib/toAuthError.js'
import { browserPlatform, type Platform, type TabMessage } from './platform.js'
import { createRefresher, isExpired, needsRefresh, refreshAt } from './refresh.js'
import { safeReturnTo, sanitizeReturnTo } from './returnTo.js'
import { type Session, SessionStore, sessionFromTokenResponse } from './session.js'
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
   * The most seconds that may have passed since the user last authenticated at the server
   * (`max_age`). The ID token's `auth_time` is checked against it, and a sign-in that is older
   * fails with `id_token_invalid`. `0` makes the user authenticate again.
   * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest | OpenID Connect Core 3.1.2.1}
   */
  maxAge?: number
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
  /** Refresh even though the current access token has not reached the refresh leeway. */
  forceRefresh?: boolean
}

/** The object returned by {@link createAuth}. */
export interface Auth {
  /**
   * Starts Authorization Code + PKCE: stores a one-time transaction and navigates to the
   * authorization endpoint. The returned promise settles once navigation has started.
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo`, `maxAge` or `params`), `discovery_failed`,
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
   * Returns a valid access token, refreshing it first when it expires within `refreshLeeway` (or
   * has lived half its lifetime, when that comes first). Concurrent calls share one refresh, in
   * this tab and (through a Web Lock) across tabs. Failed refreshes that keep the session back off
   * (1 s, doubling up to 60 s): until then the last error is thrown again, with no request.
   * @throws {@link AuthError} `login_required` when signed out; `session_expired` when the session
   *   cannot continue (the server refused the refresh token or the client, a refresh response
   *   failed validation, the DPoP key is gone; the session is ended in every tab);
   *   `network_error`, `timeout` or `token_request_failed` with a 5xx/408/429 `status` when a
   *   refresh failed transiently, `token_request_failed` with `error: 'invalid_dpop_proof'`, or
   *   `storage_unavailable` when the DPoP key could not be read (the session is kept, try again).
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-6 | RFC 6749 section 6}
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <token>` (or `DPoP <token>` and a proof) attached. Tokens
   * go only to the app's own origin and the configured `apiOrigins`, compared exactly; anything
   * else is refused before any request. A 401 whose `WWW-Authenticate` says `invalid_token` gets
   * one forced refresh and one retry, a DPoP nonce challenge one retry. Bodies are sent as given
   * (a stream is read once, to be sent again); a `Request` passed in stays usable. HTTP errors
   * resolve as responses, as with `fetch`.
   * @throws {@link AuthError} `origin_not_allowed`, `invalid_argument` (a URL that does not parse
   *   or has a user name or password), `network_error` (also for a DPoP nonce the page cannot
   *   read: see its message), and whatever {@link Auth.getAccessToken} throws.
   * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 section 3.1}
   */
  authFetch: AuthFetch
  /**
   * Clears everything this client stored (session, DPoP key, transactions), revokes the refresh
   * token when the server has a revocation endpoint, tells the other tabs, and, unless
   * `localOnly`, ends the session at the authorization server (navigating to its
   * `end_session_endpoint` with `id_token_hint` and `post_logout_redirect_uri`). The state turns
   * `unauthenticated` once the revocation request is on its way; it is sent with `keepalive`, so
   * an app that leaves the page at that moment does not cancel it. A failed revocation does not
   * stop the logout.
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo`), `discovery_failed` (the local
   *   session is cleared anyway).
   * @see {@link https://www.rfc-editor.org/rfc/rfc7009 | RFC 7009},
   *   {@link https://openid.net/specs/openid-connect-rpinitiated-1_0.html | OpenID Connect RP-Initiated Logout}
   */
  logout(options?: LogoutOptions): Promise<void>
  /** The current state; the same object until something changes. */
  getState(): AuthState
  /** Calls `listener` with every new state. Returns the function that unsubscribes. */
  subscribe(listener: AuthListener): () => void
  /** A random id for this tab, as found in {@link AuthState.refreshedBy}. */
  readonly tabId: string
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
  'max_age',
  'dpop_jkt',
])

const SIGNED_OUT: AuthState = {
  status: 'unauthenticated',
  user: null,
  error: null,
  expiresAt: null,
  refreshedAt: null,
  refreshedBy: null,
  dpop: false,
}

/**
 * Creates a Latchkey client for one authorization server and client. Nothing is fetched until the
 * first call that needs the server.
 *
 * On a server (no `window`, e.g. a Next.js or Nuxt module rendering a page) the client is inert:
 * it opens no channel, storage or timer, its state stays `loading` (as in the first render in the
 * browser), and every method rejects with `browser_required`.
 * @param config the client's settings, see {@link AuthConfig}.
 * @param platform replaces the browser's side effects (fetch, storage, clock, navigation, locks);
 *   for tests and non-browser hosts.
 * @throws {@link AuthError} `config_invalid` with a message naming the option to fix.
 */
export function createAuth(config: AuthConfig, platform?: Platform): Auth {
  const cfg = resolveConfig(config)
  if (platform === undefined && typeof window === 'undefined') return serverAuth()
  return browserAuth(cfg, platform ?? browserPlatform())
}

function browserAuth(cfg: ResolvedConfig, platform: Platform): Auth {
  const client: oauth.Client = {
    client_id: cfg.clientId,
    [oauth.clockTolerance]: cfg.clockTolerance,
  }
  const discover = createDiscovery({
    ...cfg,
    fetch: platform.fetch,
    required: ['authorization_endpoint', 'token_endpoint'],
  })
  const tabId = oauth.generateRandomState().slice(0, 8)
  const scopeKey = `latchkey:${cfg.issuer.href}:${cfg.clientId}`
  const options = () => requestOptions(cfg, platform.fetch)
  const appOrigin = () => platform.currentUrl().origin
  // One promise per callback URL (before and after cleanup), so repeated calls share one exchange.
  const redirects = new Map<string, Promise<RedirectResult | null>>()

  // Storage problems are reported once, through the console and the state, never thrown.
  // The warning stays in the state's `error` (status unchanged) while the tab runs degraded.
  let storageWarning: AuthError | null = null
  function reportStorage(error: AuthError): void {
    if (storageWarning !== null) return
    storageWarning = error
    platform.warn(`[latchkey] storage_unavailable: ${error.message}`)
    store.set({ ...store.get(), error })
  }
  const transactionStorage = withFallback(platform.storage, platform.tabStorage, (cause) =>
    reportStorage(
      new AuthError(
        'storage_unavailable',
        'IndexedDB is unavailable; login transactions use sessionStorage and sessions stay in memory.',
        { cause },
      ),
    ),
  )
  const transactions = new TransactionStore(transactionStorage, cfg.issuer.href, cfg.clientId)
  const keys = new DpopKeys(
    platform.storage,
    `${scopeKey}:dpop-key`,
    (task) => platform.withLock(`${scopeKey}:dpop-key`, task),
    client,
  )
  // 'auto' persists only DPoP-bound sessions: a Bearer token copied out of IndexedDB works
  // anywhere, a bound one only with the key that script cannot export. A bound session whose key
  // could not be stored is not persisted either: it would be useless after a reload.
  const sessions = new SessionStore(
    platform.storage,
    `${scopeKey}:session`,
    cfg.storage !== 'memory',
    // Persistence follows the refresh token: a bound one (even with a Bearer access token, RFC 9449
    // section 5) cannot be used elsewhere.
    (session) => (session.dpopJkt !== undefined ? keys.persistent : cfg.storage === 'indexeddb'),
    reportStorage,
  )
  const store = new StateStore(sessions.shared ? { ...SIGNED_OUT, status: 'loading' } : SIGNED_OUT)
  const channel = platform.openChannel(scopeKey)

  /** Reports a failed call in the state too; a signed-in user stays signed in. */
  function fail(error: AuthError): never {
    const session = sessions.current
    if (session === null) {
      store.set({ ...SIGNED_OUT, status: 'error', error })
    } else {
      show(session)
      store.set({ ...store.get(), error })
    }
    throw error
  }

  /** Shows `session` (or its absence) in the state and keeps the proactive timer in step. */
  function show(session: Session | null, error: AuthError | null = null): void {
    store.set(
      session === null
        ? { ...SIGNED_OUT, error: error ?? storageWarning }
        : {
            status: 'authenticated',
            user: session.user,
            error: storageWarning,
            expiresAt: session.expiresAt,
            refreshedAt: session.refreshedAt,
            refreshedBy: session.refreshedBy,
            dpop: session.tokenType === 'dpop',
          },
    )
    schedule(session)
  }

  function tell(type: TabMessage['type']): void {
    channel?.post({ type, tabId })
  }

  /** Options of a token-endpoint request: timeout, fetch, resource, and the DPoP handle if any. */
  function tokenRequestOptions(
    dpop: oauth.DPoPHandle | undefined,
  ): oauth.TokenEndpointRequestOptions {
    return {
      ...options(),
      ...(cfg.resource === undefined ? {} : { additionalParameters: { resource: cfg.resource } }),
      ...(dpop === undefined ? {} : { DPoP: dpop }),
    }
  }

  /**
   * The DPoP handle for a new sign-in: per `dpop` and the server's metadata.
   * @throws {@link AuthError} `config_invalid` for `dpop: true` with a server without DPoP.
   */
  async function dpopForNewSession(as: oauth.AuthorizationServer): Promise<BoundKey | undefined> {
    if (cfg.dpop === false) return undefined
    const alg = pickDpopAlg(as.dpop_signing_alg_values_supported)
    if (alg !== undefined) return keys.handle(alg)
    if (cfg.dpop === true) {
      throw new AuthError(
        'config_invalid',
        "Invalid Latchkey configuration: `dpop: true`, but the server does not support DPoP (no dpop_signing_alg_values_supported); use dpop: 'auto' to allow Bearer.",
      )
    }
    return undefined
  }

  const withRefreshLock = <T>(task: () => Promise<T>) =>
    platform.withLock(`${scopeKey}:refresh`, task)
  const refresh = createRefresher({
    sessions,
    withLock: withRefreshLock,
    now: platform.now,
    leewayMs: cfg.refreshLeeway * 1000,
    grant: refreshGrant,
    onAdopted: (session) => show(session),
    onRefreshed: (session) => {
      show(session)
      tell('refresh')
    },
    onEnded: (error) => {
      show(null, error)
      tell('session_expired')
    },
  })

  async function refreshGrant(refreshToken: string, previous: Session): Promise<Session> {
    let tokens: oauth.TokenEndpointResponse
    let claims: oauth.IDToken | undefined
    const jkt = previous.dpopJkt
    const dpop = jkt === undefined ? undefined : await keys.forSession(jkt)
    try {
      const as = await discover()
      tokens = await retryOnNonce(async () =>
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(
            as,
            client,
            oauth.None(),
            refreshToken,
            tokenRequestOptions(dpop),
          ),
        ),
      )
      checkTokenType(tokens, dpop, 'The token refresh')
      claims = checkIssuedAt(
        oauth.getValidatedIdTokenClaims(tokens),
        platform.now(),
        cfg.clockTolerance,
      )
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_dpop_proof') {
        throw toAuthError(
          error,
          'token_request_failed',
          "The token refresh (DPoP proof refused: check the device's clock)",
        )
      }
      throw tokenError(error, 'The token refresh')
    }
    if (claims !== undefined && previous.user !== null && claims.sub !== previous.user.sub) {
      throw new AuthError(
        'session_expired',
        'The refreshed ID token names another user than the session; the session was ended.',
      )
    }
    const now = platform.now()
    return {
      ...sessionFromTokenResponse(tokens, claims, now, jkt, previous),
      refreshedAt: now,
      refreshedBy: tabId,
    }
  }

  // The proactive refresh: an optimisation only (browsers throttle timers); reads refresh anyway.
  let cancelTimer: () => void = () => undefined
  function schedule(session: Session | null): void {
    cancelTimer()
    if (!cfg.autoRefresh || session?.refreshToken === undefined || session.expiresAt === null)
      return
    const delay = Math.max(refreshAt(session, cfg.refreshLeeway * 1000) - platform.now(), 1000)
    cancelTimer = platform.setTimer(refreshInBackground, delay)
  }
  function refreshInBackground(): void {
    const session = sessions.current
    if (!platform.isVisible() || session === null) return
    if (needsRefresh(session, platform.now(), cfg.refreshLeeway * 1000)) {
      refresh().catch(() => undefined) // failures show in the state; the next read tries again
    }
  }
  if (cfg.autoRefresh) platform.onVisible(refreshInBackground)

  channel?.subscribe((message) => {
    if (message.tabId === tabId) return
    const ending = message.type === 'logout' || message.type === 'session_expired'
    const ended =
      message.type === 'session_expired'
        ? new AuthError(
            'session_expired',
            'The session ended in another tab. Please sign in again.',
          )
        : null
    // The other tab deleted the DPoP key with its session; a later sign-in here makes a new one.
    if (message.type === 'logout') keys.forget()
    // Storage is the truth for stored sessions (a late message must not wipe a newer sign-in); a
    // session in this tab's memory only ends with the others.
    void sessions.load().then(async (session) => {
      if (ending && session !== null && !sessions.stored) await sessions.clear()
      const now = sessions.current
      show(now, now === null ? ended : null)
    })
  })

  // Restoring a persisted session needs no network: a read from IndexedDB, nothing else.
  const ready = (async () => {
    if (!sessions.shared) return
    const session = await sessions.load()
    if (
      session !== null &&
      session.refreshToken === undefined &&
      isExpired(session, platform.now())
    ) {
      await sessions.clear()
      show(null)
      return
    }
    show(session)
  })()

  async function login(loginOptions: LoginOptions = {}): Promise<void> {
    try {
      await startLogin(loginOptions)
    } catch (error) {
      fail(toAuthError(error, 'discovery_failed', 'login()'))
    }
  }

  async function startLogin(loginOptions: LoginOptions): Promise<void> {
    await ready
    const page = platform.currentUrl()
    const returnTo =
      loginOptions.returnTo === undefined
        ? isCallbackUrl(page, cfg.redirectUrl)
          ? '/'
          : `${page.pathname}${page.search}${page.hash}`
        : sanitizeReturnTo(loginOptions.returnTo, page.origin)
    const { maxAge } = loginOptions
    if (maxAge !== undefined && !(Number.isInteger(maxAge) && maxAge >= 0)) {
      throw new AuthError(
        'invalid_argument',
        'login() maxAge must be a whole number of seconds, 0 or more.',
      )
    }
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
    const dpop = await dpopForNewSession(as)
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
        dpop: dpop !== undefined,
        ...(maxAge === undefined ? {} : { maxAge }),
        returnTo,
        createdAt: platform.now(),
      })
    } catch (error) {
      throw new AuthError(
        'storage_unavailable',
        'login() could not store its one-time transaction: IndexedDB and sessionStorage both refused it.',
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
    // Binds the authorization code to this key (RFC 9449 section 10). A key that IndexedDB refused
    // lives in this page only; the callback page will have another, so the code stays unbound.
    if (dpop !== undefined && keys.persistent) {
      params.set('dpop_jkt', dpop.jkt)
    }
    if (loginOptions.prompt !== undefined) params.set('prompt', loginOptions.prompt)
    if (loginOptions.loginHint !== undefined) params.set('login_hint', loginOptions.loginHint)
    if (maxAge !== undefined) params.set('max_age', String(maxAge))
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
    await ready
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
          'handleRedirect() could not read the login transaction: IndexedDB and sessionStorage both failed.',
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
              'The callback `state` does not match the sign-in started in this browser (a forged link?); please sign in again.',
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

    // The exchange and the save run under the refresh lock: a refresh in another tab cannot save
    // its (older) session over this sign-in, and a logout cannot delete the key this sign-in binds.
    const session = await withRefreshLock(async () => {
      let tokens: oauth.TokenEndpointResponse
      let claims: oauth.IDToken | undefined
      let dpop: BoundKey | undefined
      try {
        dpop = transaction.dpop ? await keys.handle() : undefined
        tokens = await retryOnNonce(async () =>
          oauth.processAuthorizationCodeResponse(
            as,
            client,
            await oauth.authorizationCodeGrantRequest(
              as,
              client,
              oauth.None(),
              callbackParams,
              transaction.redirectUri,
              transaction.codeVerifier,
              tokenRequestOptions(dpop?.handle),
            ),
            {
              expectedNonce: transaction.nonce ?? oauth.expectNoNonce,
              requireIdToken: transaction.nonce !== undefined,
              ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
            },
          ),
        )
        checkTokenType(tokens, dpop?.handle, 'The code exchange')
        claims = checkIssuedAt(
          oauth.getValidatedIdTokenClaims(tokens),
          platform.now(),
          cfg.clockTolerance,
        )
      } catch (error) {
        fail(tokenError(error, 'The code exchange'))
      }
      const session = sessionFromTokenResponse(tokens, claims, platform.now(), dpop?.jkt)
      await sessions.save(session)
      return session
    })
    show(session)
    tell('login')
    return { returnTo: safeReturnTo(transaction.returnTo, appOrigin()) }
  }

  /** The session with an access token that is valid for at least the leeway. */
  async function validSession(forceRefresh = false): Promise<Session> {
    await ready
    const session = sessions.current
    if (session === null) {
      throw new AuthError('login_required', 'No user is signed in: call login() first.')
    }
    if (forceRefresh) return refresh({ rejected: session.accessToken })
    if (needsRefresh(session, platform.now(), cfg.refreshLeeway * 1000)) return refresh()
    return session
  }

  async function getAccessToken(tokenOptions: GetAccessTokenOptions = {}): Promise<string> {
    return (await validSession(tokenOptions.forceRefresh)).accessToken
  }

  async function logout(logoutOptions: LogoutOptions = {}): Promise<void> {
    await ready
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
    // Under the refresh lock, so that a refresh or sign-in running in another tab cannot save its
    // session after this clear, the refresh token revoked below is the current one, and the key is
    // not deleted under a sign-in that is binding its tokens to it.
    const { session, dpop } = await withRefreshLock(async () => {
      const session = await sessions.load()
      // Taken before the key is deleted: a bound refresh token is revoked with a proof.
      const dpop =
        session?.dpopJkt === undefined
          ? undefined
          : await keys.forSession(session.dpopJkt).catch(() => undefined)
      await sessions.clear()
      await keys.delete()
      return { session, dpop }
    })
    await transactions.clear().catch(() => undefined)
    let as: oauth.AuthorizationServer
    let revoked: Promise<void> | undefined
    try {
      as = await discover()
      if (session?.refreshToken !== undefined && as.revocation_endpoint !== undefined) {
        // The state changes only once the revocation is on its way (and it survives navigation),
        // so an app that navigates away on `unauthenticated` does not cancel it.
        let sent: () => void = () => undefined
        const onItsWay = new Promise<void>((resolve) => (sent = resolve))
        revoked = revoke(as, session.refreshToken, dpop, sent)
        await Promise.race([onItsWay, revoked])
      }
    } finally {
      show(null)
      tell('logout')
    }
    await revoked
    if (logoutOptions.localOnly || as.end_session_endpoint === undefined) return
    const url = new URL(as.end_session_endpoint)
    url.searchParams.set('client_id', cfg.clientId)
    if (session?.idToken !== undefined) url.searchParams.set('id_token_hint', session.idToken)
    url.searchParams.set('post_logout_redirect_uri', target)
    platform.navigate(url.href)
  }

  /** Revokes a refresh token (RFC 7009); failures are reported, never thrown. */
  async function revoke(
    as: oauth.AuthorizationServer,
    token: string,
    dpop: oauth.DPoPHandle | undefined,
    sent: () => void,
  ): Promise<void> {
    try {
      // oauth4webapi's revocationRequest takes no DPoP handle; the handle's own signer (used for
      // its token requests) makes the proof. Without one the request goes as it is.
      const headers = new Headers()
      await (dpop as DpopSigner | undefined)?.addProof?.(
        new URL(as.revocation_endpoint as string),
        headers,
        'POST',
      )
      const response = await oauth.revocationRequest(as, client, oauth.None(), token, {
        ...options(),
        headers,
        additionalParameters: { token_type_hint: 'refresh_token' },
        // keepalive: the request outlives the page if the app navigates away right after logout.
        [oauth.customFetch]: (url, init) => {
          const response = platform.fetch(url, { ...(init as RequestInit), keepalive: true })
          sent()
          return response
        },
      })
      await oauth.processRevocationResponse(response)
    } catch (error) {
      // The local session is gone either way; the server's refresh token expires on its own.
      platform.warn(
        `[latchkey] ${toAuthError(error, 'token_request_failed', 'Revoking the refresh token').message}`,
      )
    }
  }

  /**
   * The DPoP key of `session`'s access token, or `undefined` for a Bearer one. A session whose key
   * is gone is ended in every tab.
   */
  async function accessKey(session: Session): Promise<oauth.DPoPHandle | undefined> {
    if (session.tokenType !== 'dpop') return undefined
    try {
      return await keys.forSession(session.dpopJkt as string)
    } catch (error) {
      if (isAuthError(error, 'session_expired')) {
        await withRefreshLock(async () => {
          if ((await sessions.load())?.dpopJkt === session.dpopJkt) await sessions.clear()
        })
        show(sessions.current, error)
        tell('session_expired')
      }
      throw error
    }
  }

  return {
    login,
    handleRedirect,
    getAccessToken,
    authFetch: createAuthFetch({
      fetch: platform.fetch,
      base: platform.currentUrl,
      allowedOrigins: () => [appOrigin(), ...cfg.apiOrigins],
      credentials: async (rejected) => {
        await ready
        const session = rejected === undefined ? await validSession() : await refresh({ rejected })
        // A DPoP-bound token is only ever sent with a proof from its own key, never as Bearer.
        return { token: session.accessToken, dpop: await accessKey(session) }
      },
    }),
    logout,
    getState: () => store.get(),
    subscribe: (listener) => store.subscribe(listener),
    tabId,
  }
}

/** The inert client of a server render: nothing to sign in to, nothing left running. */
function serverAuth(): Auth {
  const state: AuthState = Object.freeze({ ...SIGNED_OUT, status: 'loading' })
  const refuse = async (): Promise<never> => {
    throw new AuthError(
      'browser_required',
      'Latchkey signs in only in the browser: call this from client-side code (an effect, an event handler, onMounted), not while rendering on the server.',
    )
  }
  return {
    login: refuse,
    handleRedirect: refuse,
    getAccessToken: refuse,
    authFetch: refuse,
    logout: refuse,
    getState: () => state,
    subscribe: () => () => undefined,
    tabId: 'server',
  }
}

/** The proof signer of an oauth4webapi DPoP handle, which its public type does not show. */
interface DpopSigner {
  addProof?(url: URL, headers: Headers, htm: string): Promise<void>
}

/** Sends a token request again, once, when the server asked for a DPoP nonce (RFC 9449 section 8). */
async function retryOnNonce<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send()
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    // A nonce this page cannot read would make the retry fail the same way: say what to fix.
    const unreadable = unreadableNonce(error, 'The token request')
    if (unreadable !== undefined) throw unreadable
    return send()
  }
}

/**
 * Refuses an ID token issued in the future: oauth4webapi checks that `iat` is a number, not when
 * it is. Such a token was minted with a wrong clock, or ahead of time to outlive its `exp` check.
 * @param tolerance seconds the clocks of device and server may differ (`clockTolerance`).
 */
function checkIssuedAt(
  claims: oauth.IDToken | undefined,
  now: number,
  tolerance: number,
): oauth.IDToken | undefined {
  if (claims !== undefined && claims.iat > Math.floor(now / 1000) + tolerance) {
    throw new AuthError(
      'id_token_invalid',
      'The ID token was issued in the future ("iat"); check the device\'s and the server\'s clocks, or raise `clockTolerance`.',
    )
  }
  return claims
}

/**
 * The token type must be one the SDK can use: Bearer without a proof; with a proof DPoP, or Bearer
 * when the server bound only the refresh token (RFC 9449 section 5).
 */
function checkTokenType(
  tokens: oauth.TokenEndpointResponse,
  dpop: oauth.DPoPHandle | undefined,
  what: string,
): void {
  if (tokens.token_type !== 'bearer' && (dpop === undefined || tokens.token_type !== 'dpop')) {
    throw new AuthError(
      'token_request_failed',
      `${what} returned a "${tokens.token_type}" token where a Bearer token was requested.`,
    )
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
