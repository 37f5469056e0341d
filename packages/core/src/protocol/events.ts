// The flow's events (`AuthConfig.onEvent`): each protocol step as it happens, for a flow inspector,
// a debug log or a lesson. Loaded on demand, and only by a client given `onEvent`; it imports
// nothing at runtime. Every value that could be replayed (codes, verifiers, tokens, proofs) is
// shortened here, and a client secret masked whole, before an event leaves the SDK.

/**
 * The steps an {@link AuthEvent} reports, in the order a sign-in meets them: discovery, the
 * authorization request (`pkce`, with a pushed authorization request `par_request` and
 * `par_response` (RFC 9126), `authorize`, `server_sign_in`, `callback`), the code exchange
 * (`token_request`, `token_response`, `tokens_validated`), API calls (`api_request`,
 * `api_response`); later a refresh (`token_request` with `grant_type=refresh_token`, and a
 * `resource` when it gets the token of one of the `apis`, RFC 8707), a silent or
 * popup sign-in (`authorize` in an iframe or popup) and a logout (`revocation_request`,
 * `revocation_response`, then `end_session`, or `end_session_unavailable` when no end-session
 * endpoint is known and the server's session stays). An API's step-up challenge (RFC 9470) is
 * `step_up`, its `params` the `acr_values` and `max_age` asked for and its `via` how the user
 * signs in again (absent when `stepUp` is off). A flow that fails (a sign-in, the callback, a
 * logout) ends with `flow_failed`, its `error` the message and `params.error_code` the error's code.
 */
export type AuthEventStep =
  | 'discovery_request'
  | 'discovery_response'
  | 'pkce'
  | 'par_request'
  | 'par_response'
  | 'authorize'
  | 'server_sign_in'
  | 'callback'
  | 'token_request'
  | 'token_response'
  | 'tokens_validated'
  | 'api_request'
  | 'api_response'
  | 'step_up'
  | 'revocation_request'
  | 'revocation_response'
  | 'end_session'
  | 'end_session_unavailable'
  | 'flow_failed'

/** A JSON Web Token's decoded header and claims; never its signature. */
export interface DecodedJwt {
  header: Record<string, unknown>
  claims: Record<string, unknown>
}

/**
 * One step of the protocol, as {@link AuthConfig.onEvent} receives it. Codes, verifiers,
 * challenges, `state`, `nonce`, tokens and DPoP proofs appear shortened (`eyJhbG…x9Qk`), never
 * whole, and client secrets not at all (`[redacted]`); the header and claims of a JWT (ID token,
 * JWT access token, DPoP proof, client assertion) are decoded in {@link AuthEvent.jwts}.
 */
export interface AuthEvent {
  /** What happened; see {@link AuthEventStep}. */
  step: AuthEventStep
  /** The step in a sentence, e.g. "Code and verifier exchanged at the token endpoint". */
  title: string
  /** When, in milliseconds since the epoch. */
  at: number
  /** How the authorization request travels: the page itself, a popup or a hidden iframe. */
  via?: 'redirect' | 'popup' | 'iframe'
  /** The HTTP method of a request or navigation. */
  method?: string
  /** The URL requested or navigated to, with secret query values shortened. */
  url?: string
  /** The HTTP status of a response. */
  status?: number
  /** How long it took: a response since its request, `server_sign_in` since the redirect. */
  ms?: number
  /**
   * The parameters that matter: the query parameters, the form sent to one of the server's own
   * endpoints (never an app's, through `authFetch`), the JSON fields of a token or discovery
   * response, headers such as `authorization` and `dpop`; secrets shortened, client secrets
   * masked whole (`[redacted]`).
   */
  params?: Record<string, string>
  /** Decoded JWTs by name: `id_token`, `access_token`, `dpop`, `client_assertion`. */
  jwts?: Record<string, DecodedJwt>
  /** Why a request failed without an HTTP response. */
  error?: string
}

/** What the flows report: an event without its time and title, values still whole. */
export type FlowEvent = Omit<AuthEvent, 'at' | 'title'>

// Values that must never leave the SDK whole. Everything else (client_id, redirect_uri, scope,
// grant_type, iss, expires_in, ...) is shown as it is.
const SECRETS = new Set([
  'code',
  'code_verifier',
  'code_challenge',
  'state',
  'nonce',
  'access_token',
  'refresh_token',
  'id_token',
  'id_token_hint',
  'token',
  'client_assertion',
  'assertion',
  'subject_token',
  'actor_token',
  'device_code',
  'dpop',
  'dpop-nonce',
])
// Values that are not even shortened: a client secret is long-lived, and any piece of it helps guess
// the rest (a Basic `Authorization` is one too: client id and secret, base64-encoded).
const MASKED = '[redacted]'
const JWTS = ['id_token', 'access_token', 'client_assertion', 'dpop']
// What a discovery response is shown with.
const METADATA = [
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'code_challenge_methods_supported',
  'dpop_signing_alg_values_supported',
  'pushed_authorization_request_endpoint',
  'require_pushed_authorization_requests',
]

/** `eyJhbG…x9Qk`: enough to tell two values apart, too little to use one. */
export function shorten(value: string): string {
  return value.length < 16 ? `…(${value.length})` : `${value.slice(0, 6)}…${value.slice(-4)}`
}

/**
 * `value` shown under `name`: shortened if it is a secret, masked whole if it is a client secret;
 * an `Authorization` keeps its scheme.
 */
function show(name: string, value: string): string {
  if (name === 'client_secret') return MASKED
  if (name === 'authorization') {
    const space = value.indexOf(' ')
    if (space < 0) return shorten(value)
    const scheme = value.slice(0, space)
    return `${scheme} ${/^basic$/i.test(scheme) ? MASKED : shorten(value.slice(space + 1))}`
  }
  return SECRETS.has(name) ? shorten(value) : value
}

/** The header and claims of a compact JWS, or `undefined` for anything else (an opaque token). */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.')
  if (parts.length !== 3) return undefined
  try {
    const [header, claims] = parts
      .slice(0, 2)
      .map((part) =>
        JSON.parse(
          new TextDecoder().decode(
            Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
              c.charCodeAt(0),
            ),
          ),
        ),
      )
    // A one-time value in the claims (the ID token's or a DPoP proof's `nonce`) is shortened too.
    for (const name of Object.keys(claims)) {
      if (SECRETS.has(name) && typeof claims[name] === 'string')
        claims[name] = shorten(claims[name])
    }
    return { header, claims }
  } catch {
    return undefined
  }
}

/** The shortened parameters and decoded JWTs of `entries`. */
function collect(
  entries: Iterable<readonly [string, unknown]>,
  into: Pick<AuthEvent, 'params' | 'jwts'> = {},
): Pick<AuthEvent, 'params' | 'jwts'> {
  for (const [key, raw] of entries) {
    if (raw === undefined || raw === null) continue
    const name = key.toLowerCase()
    const value = typeof raw === 'string' ? raw : Array.isArray(raw) ? raw.join(' ') : String(raw)
    if (JWTS.includes(name)) {
      const jwt = decodeJwt(value)
      if (jwt !== undefined) {
        into.jwts ??= {}
        into.jwts[name] = jwt
      }
    }
    into.params ??= {}
    into.params[name] = show(name, value)
  }
  return into
}

/** `url` with its secret query values shortened. */
function safeUrl(url: string): string {
  const parsed = new URL(url)
  for (const [name, value] of [...parsed.searchParams]) {
    parsed.searchParams.set(name, show(name, value))
  }
  return decodeURI(parsed.href)
}

const GRANTS: Record<string, string> = {
  authorization_code: 'Code and verifier exchanged at the token endpoint',
  refresh_token: 'Refresh token exchanged for new tokens at the token endpoint',
  client_credentials: 'Client authenticates at the token endpoint (client credentials grant)',
}
const VIA = {
  redirect: 'Redirect to the authorization endpoint with the challenge',
  popup: 'Popup opened at the authorization endpoint with the challenge',
  iframe: 'Hidden iframe sent to the authorization endpoint (prompt=none)',
}

/** The sentence an event is shown with. */
function titleOf(event: FlowEvent): string {
  const { params = {}, status } = event
  switch (event.step) {
    case 'discovery_request':
      return "Discovery: the server's metadata is read"
    case 'discovery_response':
      return status === 200
        ? 'Metadata received: endpoints and features'
        : `Discovery answered ${status ?? 'nothing'}`
    case 'pkce':
      return 'Verifier and challenge created (PKCE)'
    case 'par_request':
      return 'Authorization request pushed to the server (PAR)'
    case 'par_response':
      return status === 201
        ? 'Request URI received: the browser takes only it to the server'
        : `PAR endpoint answered ${status ?? 'nothing'}${params.error === undefined ? '' : `: ${params.error}`}`
    case 'authorize':
      return params.request_uri === undefined
        ? VIA[event.via ?? 'redirect']
        : `${VIA[event.via ?? 'redirect']}: request_uri of the pushed request`
    case 'server_sign_in':
      return 'User signs in at the authorization server'
    case 'callback':
      return params.error === undefined
        ? 'Code and state come back to the redirect URI'
        : `The server sends the user back with an error: ${params.error}`
    case 'token_request':
      // A refresh for a resource (RFC 8707 section 2.2): the `apis`' tokens come this way.
      return params.grant_type === 'refresh_token' && params.resource !== undefined
        ? `Refresh token exchanged for a token for ${params.resource} (RFC 8707)`
        : (GRANTS[params.grant_type ?? ''] ?? `Token request (${params.grant_type})`)
    case 'token_response':
      return status === 200
        ? 'Tokens issued'
        : `Token endpoint answered ${status ?? 'nothing'}${params.error === undefined ? '' : `: ${params.error}`}`
    case 'tokens_validated':
      return 'Tokens validated'
    case 'api_request':
      return `API called with the access token${params.dpop === undefined ? '' : ' and a DPoP proof'}`
    case 'api_response':
      return `API answers ${status ?? 'nothing'}`
    case 'step_up':
      return `API asks for a step-up: ${event.via === undefined ? 'authFetch rejects (step_up_required)' : `the user signs in again (${event.via})`}`
    case 'revocation_request':
      return 'Refresh token revoked at the server'
    case 'revocation_response':
      return `Revocation answered ${status ?? 'nothing'}`
    case 'end_session':
      return 'Redirect to the end-session endpoint: the server session ends'
    case 'end_session_unavailable':
      return 'Signed out in this app only: no end-session endpoint is known (set endSessionEndpoint)'
    case 'flow_failed':
      return `Failed: ${params.error_code ?? 'error'}`
  }
}

type Kind = 'discovery' | 'par' | 'token' | 'revocation' | 'api'

/** The inspector of one client: its `fetch` reports requests, `emit` the flows' other steps. */
export interface Inspector {
  fetch: typeof fetch
  emit(event: FlowEvent): void
}

/** `url` without its query and fragment, as endpoints are compared. */
function endpointOf(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

/**
 * Builds the inspector that reports to `onEvent`. A listener that throws is reported (to
 * `reportError` in browsers, `console.error` elsewhere) and never breaks the flow.
 *
 * Request bodies are read only when they go to one of the authorization server's own endpoints,
 * as the discovered metadata names them: the form an app sends through `authFetch` (a password
 * change, say) is the app's business and never reported.
 * @param platform the fetch the requests really go through, and the clock.
 * @param options.redact applied to every text of an event before it is reported: a client
 *   credentials client masks its secret with it, wherever a server may echo it back.
 */
export function inspector(
  onEvent: (event: AuthEvent) => void,
  {
    fetch,
    now,
    redact,
  }: { fetch: typeof globalThis.fetch; now(): number; redact?: (text: string) => string },
): Inspector {
  // The server's endpoints (token, revocation, ...), from the discovery responses seen.
  const endpoints = new Set<string>()
  // The pushed authorization request endpoint (RFC 9126), whose form has no field to tell it by.
  let parEndpoint: string | undefined

  function report(event: FlowEvent): void {
    try {
      const shown: AuthEvent = { ...event, title: titleOf(event), at: now() }
      // Every string in it, however deep (a decoded JWT's claims), passes through `redact`.
      onEvent(
        redact === undefined
          ? shown
          : JSON.parse(JSON.stringify(shown), (_, value) =>
              typeof value === 'string' ? redact(value) : value,
            ),
      )
    } catch (error) {
      ;(globalThis.reportError ?? console.error)(error)
    }
  }

  /** Reports a request; returns what kind it is. */
  function reportRequest(input: RequestInfo | URL, init: RequestInit | undefined): Kind {
    const url = input instanceof Request ? input.url : String(input)
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}))
    const body = init?.body
    const form = !endpoints.has(endpointOf(url))
      ? undefined
      : body instanceof URLSearchParams
        ? body
        : typeof body === 'string' && /urlencoded/.test(headers.get('content-type') ?? '')
          ? new URLSearchParams(body)
          : undefined
    // The two metadata documents discovery reads (RFC 8414 section 3, OpenID Connect Discovery
    // section 4): only their answers name the endpoints whose forms are shown.
    const kind: Kind = /\/\.well-known\/(openid-configuration|oauth-authorization-server)/.test(
      new URL(url).pathname,
    )
      ? 'discovery'
      : form !== undefined && endpointOf(url) === parEndpoint
        ? 'par'
        : form?.has('grant_type')
          ? 'token'
          : form?.has('token')
            ? 'revocation'
            : 'api'
    const sent = collect(
      [...headers].filter(([name]) => name === 'authorization' || name === 'dpop'),
      collect(form ?? []),
    )
    report({ step: `${kind}_request`, method, url: safeUrl(url), ...sent })
    return kind
  }

  async function reportResponse(kind: Kind, response: Response, started: number): Promise<void> {
    let fields: unknown
    if (kind !== 'api' && /json/.test(response.headers.get('content-type') ?? '')) {
      // Read from a copy, before the SDK reads the original, so the steps stay in order.
      fields = await response.clone().json()
    }
    const object: Record<string, unknown> =
      typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : {}
    if (kind === 'discovery' && response.ok) {
      for (const [key, value] of Object.entries(object)) {
        if (key.endsWith('_endpoint') && typeof value === 'string') {
          try {
            endpoints.add(endpointOf(value))
            if (key === 'pushed_authorization_request_endpoint') parEndpoint = endpointOf(value)
          } catch {}
        }
      }
    }
    const shown =
      kind === 'discovery'
        ? METADATA.map((key) => [key, object[key]] as const)
        : Object.entries(object)
    report({
      step: `${kind}_response`,
      status: response.status,
      ...collect([
        ...shown,
        ['www-authenticate', response.headers.get('www-authenticate')],
        ['dpop-nonce', response.headers.get('dpop-nonce')],
      ]),
      ms: now() - started,
    })
  }

  // Watching never changes what is sent or answered: a request or response it cannot read (an
  // unusual URL, a body that is not JSON) is simply not reported.
  return {
    emit({ url, params, ...event }) {
      try {
        const query = url === undefined ? [] : new URL(url).searchParams
        report({
          ...event,
          ...(url === undefined ? {} : { url: safeUrl(url) }),
          ...collect(params === undefined ? query : Object.entries(params)),
        })
      } catch {}
    },
    async fetch(input, init) {
      const started = now()
      let kind: Kind | undefined
      try {
        kind = reportRequest(input, init)
      } catch {}
      let response: Response
      try {
        response = await fetch(input, init)
      } catch (error) {
        if (kind !== undefined) {
          report({
            step: `${kind}_response`,
            ms: now() - started,
            error: error instanceof Error ? error.message : String(error),
          })
        }
        throw error
      }
      if (kind !== undefined) await reportResponse(kind, response, started).catch(() => undefined)
      return response
    },
  }
}
