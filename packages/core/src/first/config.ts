import type { AuthEvent } from '../protocol/events.js'
import { AuthError } from './errors.js'
import { isLoopback } from './loopback.js'

/** Where the session is kept. See {@link AuthConfig.storage}. */
export type StorageMode = 'auto' | 'indexeddb' | 'memory'

/**
 * An API whose access tokens are its own (RFC 8707): an entry of {@link AuthConfig.apis}.
 * @see {@link https://www.rfc-editor.org/rfc/rfc8707 | RFC 8707}
 */
export interface ApiTokenConfig {
  /**
   * The API's origin (`https://reports.example.com`, no path), compared exactly with the
   * request's: {@link Auth.authFetch} sends this API's token there, and no other token.
   */
  origin: string
  /**
   * The resource indicator its tokens are for (the `resource` parameter, RFC 8707; the API's
   * identifier at the server: e.g. its audience). An absolute URI (`https://…`, `urn:…`) without
   * query or fragment.
   */
  resource?: string
  /**
   * The scopes its tokens get, separated by spaces: sent with its refresh grant (`scope`), and
   * added to the scopes every sign-in asks for. For servers that tell APIs apart by scope
   * (Microsoft Entra ID) it may stand alone, without `resource`.
   */
  scope?: string
}

/** Options of {@link createAuth}. */
export interface AuthConfig {
  /**
   * The authorization server's issuer identifier. Its metadata is discovered from
   * `<issuer>/.well-known/openid-configuration` and its `issuer` must equal this value exactly.
   * Must be `https://`; `http://` is accepted only for loopback hosts (localhost, 127.0.0.1, [::1]).
   * @see {@link https://www.rfc-editor.org/rfc/rfc8414#section-3.3 | RFC 8414 section 3.3}
   */
  issuer: string
  /** The client identifier registered at the authorization server (a public client). */
  clientId: string
  /**
   * The redirect URI registered for this client, exactly as registered. The page at this URL
   * calls {@link Auth.handleRedirect}.
   */
  redirectUri: string
  /**
   * The scopes to request, separated by spaces.
   * @default 'openid profile offline_access'
   */
  scope?: string
  /**
   * The resource (API) the access token is for.
   * @see {@link https://www.rfc-editor.org/rfc/rfc8707 | RFC 8707}
   */
  resource?: string
  /**
   * The origins (`https://api.example.com`, no path) that {@link Auth.authFetch} may send tokens
   * to, compared exactly. The app's own origin is always allowed.
   * @default []
   */
  apiOrigins?: readonly string[]
  /**
   * APIs that need tokens of their own (another audience), by origin: a request to an entry's
   * `origin` gets a token for its `resource` and `scope`, never the main token (the one for
   * `resource`, sent to the app's origin and `apiOrigins`). Every sign-in asks for all the
   * resources and scopes (RFC 8707 section 2.1); each API's token then comes from the session's
   * one refresh token, with the API's `resource` and `scope` on the refresh grant (section 2.2),
   * on its first use and when it is due, under the same cross-tab lock as every refresh (each
   * grant rotates the refresh token); a fresh token of one API never waits for another's
   * refresh. The tokens are kept with the session (and persisted with it), DPoP-bound when it
   * is. Needs a refresh token (`offline_access` or the server's policy). Each entry is checked
   * when first used (`config_invalid`); a server that refuses or ignores an entry's resource
   * fails its requests with `config_invalid` naming the entry. A session whose sign-in did not
   * ask for an entry (added, or its resource or scope changed, since) gets `login_required` for
   * it, with no request, until the user signs in again.
   * @example
   * ```ts
   * createAuth({ ...config, resource: 'https://api.example.com', apiOrigins: ['https://api.example.com'],
   *   apis: [{ origin: 'https://reports.example.com', resource: 'https://reports.example.com', scope: 'reports:read' }] })
   * ```
   * @default []
   * @see {@link https://www.rfc-editor.org/rfc/rfc8707#section-2 | RFC 8707 section 2}
   */
  apis?: readonly ApiTokenConfig[]
  /**
   * Where the authorization server sends the browser after {@link Auth.logout}. Must be registered
   * at the server as a post-logout redirect URI.
   * @default the origin of `redirectUri` followed by `/`
   */
  postLogoutRedirectUri?: string
  /**
   * Where the session lives. `'indexeddb'` persists it, so reloads and other tabs of the app find
   * it; `'memory'` keeps it in this tab only (a reload signs out). `'auto'` persists sessions whose
   * refresh token is DPoP-bound and keeps Bearer sessions in memory, since a Bearer token copied
   * out of IndexedDB works anywhere. A DPoP-bound session whose key could not be stored is kept in memory
   * in every mode. When IndexedDB fails, the SDK falls back to memory and reports
   * `storage_unavailable` once. Login transactions always use IndexedDB
   * (sessionStorage when IndexedDB fails), because they must survive the redirect.
   * @default 'auto'
   */
  storage?: StorageMode
  /**
   * How many seconds before the access token expires it is refreshed on the next read; at most
   * half the token's lifetime, so short-lived tokens are not refreshed on every read.
   * @default 60
   */
  refreshLeeway?: number
  /**
   * Also refresh shortly before expiry while the page is visible (a timer that pauses while the
   * page is hidden). Correctness never depends on it: reads refresh anyway.
   * @default true
   */
  autoRefresh?: boolean
  /**
   * Restores a session that could not be kept (a Bearer session under `storage: 'auto'` lives in
   * memory only) when the page loads: if this browser was signed in to this issuer and client
   * before (a marker without tokens or user data, cleared on logout and when the session ends),
   * {@link Auth.loginSilently} is tried once while the state is `loading`; an ordinary
   * `login_required` settles quietly to `unauthenticated`. A first visit makes no request. `false`
   * never tries.
   * @default 'auto'
   */
  silentLogin?: 'auto' | false
  /**
   * Sender-constrained tokens (RFC 9449). `'auto'` uses DPoP when the server's metadata lists
   * `dpop_signing_alg_values_supported` (ES256 preferred) and Bearer otherwise; `true` requires it
   * (sign-in fails with `config_invalid` against a server without DPoP); `false` never sends DPoP.
   * The key pair is generated non-extractable, one per issuer + client, kept in IndexedDB and
   * deleted on logout.
   * @default 'auto'
   * @see {@link https://www.rfc-editor.org/rfc/rfc9449 | RFC 9449}
   */
  dpop?: 'auto' | boolean
  /**
   * How many seconds the device's clock may differ from the server's. Every time check uses it:
   * the ID token's `exp`, `iat` (not issued in the future) and `auth_time` (with `maxAge`).
   * @default 60
   */
  clockTolerance?: number
  /**
   * How long a request to the authorization server may take, in milliseconds, before it fails with
   * `timeout`.
   * @default 15000
   */
  timeoutMs?: number
  /**
   * Called with each step of the protocol as it happens: discovery, PKCE, the authorization
   * request, the callback, the code exchange and its checks, API calls, refresh, silent and
   * popup sign-in, revocation and logout; for a flow inspector, a debug log or a lesson. Codes,
   * verifiers, tokens and proofs appear shortened, never whole; JWTs are decoded; a request's
   * form is shown only when it goes to the server's own endpoints, never an app's. Without it
   * nothing is emitted, and the code behind it is never loaded. A listener that throws does not
   * break the flow.
   * @example
   * ```ts
   * createAuth({ issuer, clientId, redirectUri, onEvent: (event) => console.log(event.title) })
   * ```
   */
  onEvent?: ((event: AuthEvent) => void) | undefined
  /**
   * Authorization request parameters sent with every sign-in the SDK starts: {@link Auth.login},
   * {@link Auth.loginWithPopup}, {@link Auth.loginSilently} and the silent restore on load. The
   * `params` of a call merge over them. Parameters the SDK sets itself (`scope`, `state`,
   * `redirect_uri`, `prompt`, ...) are refused: use the matching option.
   * @example
   * ```ts
   * // Auth0 issues an access token for your API only when asked with its `audience`.
   * createAuth({ ...config, authorizationParams: { audience: 'https://api.example.com' } })
   * ```
   */
  authorizationParams?: Readonly<Record<string, string>>
  /**
   * Where {@link Auth.logout} ends the session at the authorization server when its metadata has
   * no `end_session_endpoint` (Auth0 tenants created before 14 November 2023:
   * `https://TENANT.auth0.com/v2/logout`; Amazon Cognito: `https://DOMAIN/logout`), or instead of
   * the one it names. Without either, `logout()` ends the session in this app only, and says so.
   * @default the metadata's `end_session_endpoint`
   */
  endSessionEndpoint?: string
  /**
   * The query parameter of the end-session URL that carries where to go after logout. The default
   * is OpenID Connect RP-Initiated Logout's, which also gets `id_token_hint` and `logout_hint`;
   * Auth0's `/v2/logout` takes `returnTo`, Cognito's `/logout` takes `logout_uri`, and those get
   * no hints. `client_id` is always sent.
   * @default 'post_logout_redirect_uri'
   * @see {@link https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout | RP-Initiated Logout section 2}
   */
  logoutReturnToParam?: string
  /**
   * Extra query parameters of the end-session URL (e.g. Auth0's `federated`); the `params` of a
   * {@link Auth.logout} call merge over them.
   */
  logoutParams?: Readonly<Record<string, string>>
  /**
   * Accepts Microsoft Entra ID's multi-tenant issuers (`/common/v2.0`, `/organizations/v2.0`,
   * `/consumers/v2.0`), whose metadata names the issuer
   * `https://login.microsoftonline.com/{tenantid}/v2.0`: each ID token's `iss` must then equal
   * that with the token's own `tid`. `{ tenants }` also requires `tid` to be one of them.
   * Nothing else loosens the issuer check.
   * @default false
   * @see {@link https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens#validate-the-issuer | Entra ID: validate the issuer}
   */
  multiTenant?: boolean | { tenants: readonly string[] }
  /**
   * How long the silent restore on load (see `silentLogin`) waits for the server's `prompt=none`
   * answer, in milliseconds, before the page settles signed out. A server that shows a page
   * instead of answering (Amazon Cognito) costs the page this long, once: the restore is not tried
   * again until the next sign-in. {@link Auth.loginSilently} has its own `timeoutMs`.
   * @default 4000
   */
  restoreTimeoutMs?: number
  /**
   * What {@link Auth.authFetch} does when an API answers `401` with an
   * `insufficient_user_authentication` challenge (RFC 9470), asking for a more recent sign-in
   * (`max_age`) or a stronger one (`acr_values`). `false` rejects with `step_up_required`, whose
   * `acrValues` and `maxAge` say what the API asked for. `'popup'` signs the user in again in a
   * popup with them (as {@link Auth.loginWithPopup} with `maxAge` and `acrValues`, whose ID-token
   * checks apply: `auth_time` within `max_age`, `acr` one of `acr_values`), then sends the
   * request once more and resolves with that answer; the popup opens after the API's answer, so
   * the call must come from a click and the answer be quick (browsers allow a popup a few seconds
   * after a click: Chromium 5 s; WebKit none, where it fails with `popup_blocked`). `'redirect'`
   * starts {@link Auth.login} with them (back to the current page) and rejects with
   * `step_up_required` once the page is leaving; the request is not sent again. Either way a
   * call steps up once: a second challenge to the same call rejects with `step_up_required`. A
   * challenge with neither `acr_values` nor `max_age` is never stepped up. Checked when an API
   * first asks for a step-up (`config_invalid`).
   * @default false
   * @see {@link https://www.rfc-editor.org/rfc/rfc9470 | RFC 9470}
   */
  stepUp?: false | 'popup' | 'redirect'
  /**
   * Pushed authorization requests (RFC 9126): the sign-in's parameters are POSTed to the server's
   * `pushed_authorization_request_endpoint` first (with a DPoP proof when the session is
   * DPoP-bound), and the browser goes to the authorization endpoint with `client_id` and the
   * `request_uri` it answered alone: nothing in the address bar or the history reveals them.
   * `'auto'` pushes when the metadata names the endpoint, and whenever the server says
   * `require_pushed_authorization_requests`; `true` requires it (sign-in fails with
   * `config_invalid` against a server without the endpoint); `false` never pushes (sign-in fails
   * with `config_invalid` against a server whose metadata requires it). Checked at sign-in.
   * @default 'auto'
   * @see {@link https://www.rfc-editor.org/rfc/rfc9126 | RFC 9126}
   */
  par?: 'auto' | boolean
}

/** The validated configuration with defaults applied. */
export interface ResolvedConfig
  extends Pick<
    AuthConfig,
    | 'authorizationParams'
    | 'endSessionEndpoint'
    | 'logoutParams'
    | 'logoutReturnToParam'
    | 'multiTenant'
    | 'stepUp'
    | 'par'
  > {
  issuer: URL
  clientId: string
  /** Exactly as configured: it is sent to the server, which compares it byte for byte. */
  redirectUri: string
  /** The parsed redirect URI, to recognise callbacks. */
  redirectUrl: URL
  scope: string
  resource: string | undefined
  apiOrigins: readonly string[]
  /** `apis` with each `origin` checked and normalised; the rest is checked on first use. */
  apis: readonly ApiTokenConfig[]
  postLogoutRedirectUri: string
  storage: StorageMode
  refreshLeeway: number
  clockTolerance: number
  silentLogin: 'auto' | false
  autoRefresh: boolean
  dpop: 'auto' | boolean
  timeoutMs: number
  onEvent: ((event: AuthEvent) => void) | undefined
  restoreTimeoutMs: number
  /** True when the issuer is `http://` on a loopback host, the only case oauth4webapi may use http. */
  insecureLoopback: boolean
}

const KNOWN_OPTIONS = new Set([
  'issuer',
  'clientId',
  'redirectUri',
  'scope',
  'resource',
  'apiOrigins',
  'apis',
  'postLogoutRedirectUri',
  'storage',
  'refreshLeeway',
  'clockTolerance',
  'silentLogin',
  'autoRefresh',
  'dpop',
  'timeoutMs',
  'onEvent',
  'authorizationParams',
  'endSessionEndpoint',
  'logoutReturnToParam',
  'logoutParams',
  'multiTenant',
  'restoreTimeoutMs',
  'stepUp',
  'par',
])

// Names under which a confidential client's credentials tend to be passed by mistake.
const SECRET_OPTIONS = [
  'clientSecret',
  'client_secret',
  'secret',
  'privateKey',
  'private_key',
  'clientAssertion',
  'client_assertion',
]

function invalid(message: string): AuthError {
  return new AuthError('config_invalid', `Invalid Latchkey configuration: ${message}`)
}

/**
 * Parses an absolute https URL (http only on loopback) without fragment or credentials.
 * @throws {@link AuthError} built by `fail` (by default `config_invalid`) naming `name`.
 */
export function parseUrl(name: string, value: unknown, fail = invalid): URL {
  if (typeof value !== 'string' || value === '') {
    throw fail(`\`${name}\` is required and must be an absolute URL string.`)
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw fail(`\`${name}\` must be an absolute URL (got "${value}").`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail(`\`${name}\` must be an https:// URL (got "${url.protocol}").`)
  }
  if (url.protocol === 'http:' && !isLoopback(url)) {
    throw fail(
      `\`${name}\` must use https://; http:// is allowed only for localhost, 127.0.0.1 or [::1] (got "${url.host}").`,
    )
  }
  if (url.hash !== '') throw fail(`\`${name}\` must not contain a fragment (#...).`)
  if (url.username !== '' || url.password !== '') {
    throw fail(`\`${name}\` must not contain a user name or password.`)
  }
  return url
}

function parseOrigin(value: unknown, label: string): string {
  const url = parseUrl(label, value)
  if (url.pathname !== '/' || url.search !== '' || (value as string).endsWith('/')) {
    throw invalid(
      `\`${label}\` must be an origin such as "https://api.example.com", without path, query or trailing slash (got "${String(value)}").`,
    )
  }
  return url.origin
}

/**
 * Checks a configuration and applies defaults.
 * @throws {@link AuthError} `config_invalid` naming the option to fix.
 */
export function resolveConfig(config: AuthConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) {
    throw invalid(
      'createAuth() takes an object with at least `issuer`, `clientId` and `redirectUri`.',
    )
  }
  const given = config as unknown as Record<string, unknown>
  for (const name of SECRET_OPTIONS) {
    if (name in given) {
      throw invalid(
        `\`${name}\` must never be given to a browser app: anything in the page can read it. Register a public client (token_endpoint_auth_method "none") and use PKCE, or use @latchkey/m2m on a server.`,
      )
    }
  }
  for (const name of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(name)) throw invalid(`unknown option \`${name}\`.`)
  }

  const issuer = parseUrl('issuer', config.issuer)
  if (issuer.search !== '') throw invalid('`issuer` must not contain a query string.')
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') {
    throw invalid('`clientId` is required and must be a non-empty string.')
  }
  const redirectUrl = parseUrl('redirectUri', config.redirectUri)

  const scope = config.scope ?? 'openid profile offline_access'
  if (typeof scope !== 'string' || scope.trim() === '') {
    throw invalid('`scope` must be a non-empty, space-separated string.')
  }
  let resource: string | undefined
  if (config.resource !== undefined) {
    const url = parseUrl('resource', config.resource)
    if (url.search !== '') throw invalid('`resource` must not contain a query string (RFC 8707).')
    resource = config.resource
  }

  const apiOrigins = config.apiOrigins ?? []
  const apis = config.apis ?? []
  if (!Array.isArray(apiOrigins) || !Array.isArray(apis)) {
    throw invalid('`apiOrigins` and `apis` must be arrays.')
  }

  const postLogoutRedirectUri =
    config.postLogoutRedirectUri === undefined
      ? `${redirectUrl.origin}/`
      : parseUrl('postLogoutRedirectUri', config.postLogoutRedirectUri).href

  // An option with a few allowed values, the first being the default.
  const oneOf = <T>(name: keyof AuthConfig, allowed: readonly T[]): T => {
    const value = config[name] ?? allowed[0]
    if (!allowed.includes(value as T)) {
      throw invalid(
        `\`${name}\` must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')} (got ${JSON.stringify(value)}).`,
      )
    }
    return value as T
  }
  const storage = oneOf<StorageMode>('storage', ['auto', 'indexeddb', 'memory'])
  const seconds = (name: 'refreshLeeway' | 'clockTolerance'): number => {
    const value = config[name] ?? 60
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalid(`\`${name}\` must be a number of seconds, 0 or more.`)
    }
    return value
  }
  const refreshLeeway = seconds('refreshLeeway')
  const clockTolerance = seconds('clockTolerance')
  const silentLogin = oneOf<'auto' | false>('silentLogin', ['auto', false])
  const autoRefresh = oneOf('autoRefresh', [true, false])
  const dpop = oneOf<'auto' | boolean>('dpop', ['auto', true, false])
  const milliseconds = (name: 'timeoutMs' | 'restoreTimeoutMs', fallback: number): number => {
    const value = config[name] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw invalid(`\`${name}\` must be a positive number of milliseconds.`)
    }
    return value
  }
  const { onEvent } = config
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw invalid('`onEvent` must be a function.')
  }

  return {
    // What only some providers need (`authorizationParams`, `endSessionEndpoint`, `logoutParams`,
    // `logoutReturnToParam`, `multiTenant`, `par`, `stepUp`) goes on as given: the code loaded
    // on demand that uses it checks it (`config_invalid`), so that it weighs nothing on the other
    // apps' first load.
    ...config,
    issuer,
    clientId: config.clientId,
    redirectUri: config.redirectUri,
    redirectUrl,
    scope: scope.trim().split(/\s+/).join(' '),
    resource,
    apiOrigins: apiOrigins.map((origin, i) => parseOrigin(origin, `apiOrigins[${i}]`)),
    apis: apis.map((api, i) => ({ ...api, origin: parseOrigin(api?.origin, `apis[${i}].origin`) })),
    postLogoutRedirectUri,
    storage,
    refreshLeeway,
    clockTolerance,
    silentLogin,
    autoRefresh,
    dpop,
    timeoutMs: milliseconds('timeoutMs', 15_000),
    onEvent,
    restoreTimeoutMs: milliseconds('restoreTimeoutMs', 4000),
    insecureLoopback: issuer.protocol === 'http:',
  }
}
