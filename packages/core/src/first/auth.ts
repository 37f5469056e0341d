// The public shape of a Latchkey client: what createAuth() returns, and the options of its methods.
import type { AuthFetch } from './authFetch.js'
import type { AuthListener, AuthState } from './state.js'

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
   * The authentication context classes to ask for (`acr_values`), most preferred first, e.g. a
   * step-up to multi-factor authentication. The ID token's `acr` is checked to be one of them: a
   * sign-in that reached another (or none) fails with `id_token_invalid` and changes no session.
   * To send `acr_values` without that check, pass it in `params`.
   * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest | OpenID Connect Core 3.1.2.1},
   *   {@link https://www.rfc-editor.org/rfc/rfc9470 | RFC 9470}
   */
  acrValues?: readonly string[]
  /**
   * Extra authorization request parameters (e.g. `ui_locales`). Parameters the SDK sets itself
   * (`state`, `nonce`, `code_challenge`, `redirect_uri`, ...) cannot be overridden.
   */
  params?: Record<string, string>
}

/** Options of {@link Auth.loginWithPopup}: those of {@link Auth.login} but `returnTo`. */
export interface PopupLoginOptions extends Omit<LoginOptions, 'returnTo'> {
  /**
   * How long to wait for the user to finish in the popup, in milliseconds, before failing with
   * `timeout` (the popup is then closed, unless the server's `Cross-Origin-Opener-Policy` cut it
   * off from this window). Also how long a popup the user closed keeps the call waiting, since
   * that cannot be told from such a cut.
   * @default 300000 (5 minutes)
   */
  timeoutMs?: number
}

/** Options of {@link Auth.loginSilently}. */
export interface SilentLoginOptions {
  /**
   * How long to wait for the hidden iframe's answer, in milliseconds, before failing with
   * `timeout` (e.g. when the browser blocks the server's cookies in frames).
   * @default 10000
   */
  timeoutMs?: number
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
  /**
   * Extra query parameters of the end-session URL, merged over the client's `logoutParams`.
   * `client_id`, `id_token_hint` and the return URL's parameter are the SDK's.
   */
  params?: Record<string, string>
}

/** Options of {@link Auth.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Refresh even though the current access token has not reached the refresh leeway. */
  forceRefresh?: boolean
  /**
   * The token of one of the `apis` instead of the main one: the entry's `origin` (or its
   * `resource`). Got with the refresh token when there is none yet or it is due.
   * @throws {@link AuthError} `invalid_argument` when no entry has this origin or resource.
   */
  api?: string
}

/** The object returned by {@link createAuth}. */
export interface Auth {
  /**
   * Starts Authorization Code + PKCE: stores a one-time transaction and navigates to the
   * authorization endpoint. The returned promise settles once navigation has started. Called while
   * {@link Auth.logout} takes the page to the server's end-session endpoint (e.g. by a protected
   * page that answers `unauthenticated`), it waits for the logout and starts nothing. Nor does it
   * start anything in a page that handed an authorization response to the window that started the
   * sign-in (a popup's or a hidden iframe's callback page): there it resolves at once.
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo`, `maxAge` or `params`), `discovery_failed`,
   *   `issuer_mismatch`, `storage_unavailable`, `network_error` (also when the sign-in code, loaded
   *   on demand, cannot be fetched).
   * @see {@link https://www.rfc-editor.org/rfc/rfc7636 | RFC 7636 (PKCE)}
   */
  login(options?: LoginOptions): Promise<void>
  /**
   * Signs in in a popup window, so the page keeps its state. Call it straight from a click
   * handler: the popup is opened synchronously, before anything is awaited, or browsers block it.
   * The popup goes through the redirect URI, whose page calls {@link Auth.handleRedirect}: that
   * hands the response to this window, which validates it and exchanges the code as for
   * {@link Auth.login}. Resolves once signed in. A user who is signed in already stays
   * `authenticated` meanwhile (a step-up with `maxAge: 0` keeps the page rendered).
   *
   * Closing the popup cannot be detected once it shows the authorization server: a page there
   * with `Cross-Origin-Opener-Policy` cuts it off from this window, which then reads it as closed
   * while the user is still signing in (its answer comes on a `BroadcastChannel`). So the call
   * waits for the answer, for `timeoutMs`, or for a new `loginWithPopup()` in this page, which
   * takes over: this call then settles as that one does.
   * @throws {@link AuthError} `popup_blocked` (nothing stored), `popup_closed` (closed before it
   *   was sent to the server), `timeout`, `authorization_denied` (also the user's cancel at the
   *   server), `network_error` (also when the popup's code, loaded on demand, cannot be fetched:
   *   the popup is then closed), and what {@link Auth.handleRedirect} throws.
   */
  loginWithPopup(options?: PopupLoginOptions): Promise<void>
  /**
   * Signs in without any visible navigation: the authorization request goes with `prompt=none`
   * through a hidden iframe, which is removed afterwards in every case. Resolves once signed in
   * when the server still has a session (with consent) for the user. A user who is signed in
   * already stays `authenticated` meanwhile.
   * @throws {@link AuthError} `login_required` when the server needs the user (it answered
   *   `login_required`, `interaction_required`, `consent_required`, ...), `timeout`,
   *   `network_error` (also when its code, loaded on demand, cannot be fetched), and what
   *   {@link Auth.handleRedirect} throws.
   * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest | OpenID Connect Core 3.1.2.1 (prompt=none)}
   */
  loginSilently(options?: SilentLoginOptions): Promise<void>
  /**
   * Completes sign-in on the redirect URI. Resolves with `null` when `url` is not an authorization
   * response; otherwise validates it against its one-time transaction, exchanges the code, validates
   * the ID token, stores the session and removes the response parameters from the address bar.
   * Calling it again for the same URL returns the first call's result without a second exchange.
   * In the popup of {@link Auth.loginWithPopup} or the iframe of {@link Auth.loginSilently} it
   * hands the response to the window that started the sign-in instead (which validates it and
   * exchanges the code), closes the popup, and resolves with `null`; that page then starts no
   * {@link Auth.login}. On the callback page the state stays `loading` until this settles.
   * @param url the callback URL @default `window.location.href`
   * @throws {@link AuthError} `state_mismatch`, `transaction_missing`, `issuer_mismatch`,
   *   `authorization_denied`, `invalid_callback`, `token_request_failed`, `id_token_invalid`,
   *   `network_error` (also when the callback's code, loaded on demand, cannot be fetched),
   *   `timeout`, `discovery_failed`, `storage_unavailable`.
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
   *   `storage_unavailable` when the DPoP key could not be read (the session is kept, try again);
   *   with `api`, also `invalid_argument` (no such entry), `config_invalid` (the entry is
   *   invalid, the session has no refresh token, or the server refused or ignored its resource)
   *   and `login_required` (the user signed in before the entry was configured as it is now).
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-6 | RFC 6749 section 6},
   *   {@link https://www.rfc-editor.org/rfc/rfc8707#section-2.2 | RFC 8707 section 2.2}
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <token>` (or `DPoP <token>` and a proof) attached. Tokens
   * go only to the app's own origin and the configured `apiOrigins`, compared exactly; anything
   * else is refused before any request. A 401 whose `WWW-Authenticate` says `invalid_token` gets
   * one forced refresh and one retry, a DPoP nonce challenge one retry. Bodies are sent as given
   * (a stream is read once, to be sent again); a `Request` passed in stays usable. HTTP errors
   * resolve as responses, as with `fetch`. A 401 `insufficient_user_authentication` challenge
   * (RFC 9470: the API wants a more recent or a stronger sign-in) rejects with
   * `step_up_required`, carrying the API's `acrValues` and `maxAge`; with the `stepUp` option the
   * user signs in again with them first (once per call: see `stepUp`).
   * @throws {@link AuthError} `origin_not_allowed`, `invalid_argument` (a URL that does not parse
   *   or has a user name or password), `network_error` (also for a DPoP nonce the page cannot
   *   read: see its message), `dpop_not_accepted` (the API answered the DPoP-bound token with a
   *   401 that challenges `Bearer` only: it does not take DPoP, see `dpop`), `step_up_required`
   *   (see above), what {@link Auth.loginWithPopup} throws during a `stepUp: 'popup'` step-up,
   *   and whatever {@link Auth.getAccessToken} throws.
   * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 section 3.1},
   *   {@link https://www.rfc-editor.org/rfc/rfc9470 | RFC 9470}
   */
  authFetch: AuthFetch
  /**
   * Clears everything this client stored (session, DPoP key, transactions), revokes the refresh
   * token when the server has a revocation endpoint, tells the other tabs, and, unless
   * `localOnly`, ends the session at the authorization server: it navigates to `endSessionEndpoint`
   * or the metadata's `end_session_endpoint` with `client_id`, the return URL (under
   * `logoutReturnToParam`, by default `post_logout_redirect_uri`, which also gets `id_token_hint`
   * and, when the ID token has a `login_hint` claim, `logout_hint`) and the `logoutParams`. With
   * no end-session endpoint known, the session at the server goes on: the console says so once,
   * and `onEvent` gets `end_session_unavailable`; the promise resolves and the page stays. The state turns
   * `unauthenticated` once the revocation request is on its way; it is sent with `keepalive`, so
   * an app that leaves the page at that moment does not cancel it. A failed revocation does not
   * stop the logout.
   * @throws {@link AuthError} `invalid_argument` (bad `returnTo` or `params`; nothing is cleared
   *   then), `discovery_failed` (the local
   *   session is cleared anyway), `network_error` when logout's code, loaded on demand, cannot be
   *   fetched (nothing is cleared then: the user can try again).
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
