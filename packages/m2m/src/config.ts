// Options of createClientCredentials() and their validation; the one place secrets are read.
import {
  AuthError,
  type AuthEvent,
  inspector,
  parseUrl as parseAbsoluteUrl,
} from '@latchkey/core/internal'
import { createMask } from './lib/redact.js'

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** A private key for `private_key_jwt`, with the `kid` the server knows it by. */
export interface ClientPrivateKey {
  /** An asymmetric private key (ECDSA P-256/384/521, RSA, Ed25519) whose algorithm names the JWS `alg`. */
  key: CryptoKey
  /** The JWK key id to put in the assertion's header; needed when the client has several keys. */
  kid?: string
}

/** Options of {@link createClientCredentials}. */
export interface ClientCredentialsConfig {
  /**
   * The authorization server's issuer identifier. Its metadata is discovered from
   * `<issuer>/.well-known/openid-configuration` and its `issuer` must equal this value exactly.
   * Must be `https://`; `http://` is accepted only for loopback hosts (localhost, 127.0.0.1, [::1]).
   * @see {@link https://www.rfc-editor.org/rfc/rfc8414#section-3.3 | RFC 8414 section 3.3}
   */
  issuer: string
  /** The client identifier of the confidential client registered at the authorization server. */
  clientId: string
  /**
   * The client secret, for `client_secret_basic` or `client_secret_post`. Give either this or
   * `privateKey`, not both (`undefined` counts as not given, so `process.env.X` can be passed).
   * It is kept in a closure and appears in no error, log or serialisation.
   */
  clientSecret?: string | undefined
  /**
   * The client's private key, for `private_key_jwt` (RFC 7523): a `CryptoKey`, or `{ key, kid }`.
   * Give either this or `clientSecret`, not both.
   * @see {@link https://www.rfc-editor.org/rfc/rfc7523#section-2.2 | RFC 7523 section 2.2}
   */
  privateKey?: CryptoKey | ClientPrivateKey | undefined
  /**
   * How the client authenticates at the token endpoint.
   * @default 'client_secret_basic' with a `clientSecret`, 'private_key_jwt' with a `privateKey`
   * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 | RFC 6749 section 2.3.1}
   */
  authMethod?: ClientAuthMethod
  /**
   * The scopes to request, separated by spaces. Without it no `scope` is sent and the server
   * applies its default.
   */
  scope?: string | undefined
  /**
   * The resource (API) the access token is for.
   * @see {@link https://www.rfc-editor.org/rfc/rfc8707 | RFC 8707}
   */
  resource?: string | undefined
  /**
   * The origins (`https://api.example.com`, no path) that `authFetch` may send tokens to, compared
   * exactly. Relative URLs are refused: a service has no page to resolve them against.
   * @default []
   */
  apiOrigins?: readonly string[]
  /**
   * How many seconds before its expiry a cached token is replaced; for tokens that live less than
   * twice this, half their lifetime is used instead, so even short-lived tokens are reused.
   * @default 30
   */
  refreshLeeway?: number
  /**
   * How many times a token request (or discovery) that failed transiently is retried: network
   * errors, timeouts, HTTP 5xx, 408 and 429. Retries wait 100 ms, then 200, 400, ... (doubling, at
   * most 5 s). OAuth errors such as `invalid_client` are never retried.
   * @default 3
   */
  retries?: number
  /**
   * How long one request to the authorization server may take, in milliseconds, before it fails
   * with `timeout` (and is retried, see `retries`).
   * @default 15000
   */
  timeoutMs?: number
  /**
   * The `fetch` to use for the authorization server and for `authFetch`.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch
  /**
   * Called with each step of the flow as it happens: discovery, the token request and its
   * response, and each `authFetch` call with its answer (never its body); for a debug log or a
   * lesson. The client secret is masked completely (`client_secret` and `Authorization: Basic`
   * show `[redacted]`), wherever it appears, a server's `error_description` included, as in
   * errors; client assertions and tokens appear shortened, never whole; JWTs such as the client
   * assertion and a JWT access token are decoded. A listener that
   * throws is reported to `console.error` and does not break the call.
   * @example
   * ```ts
   * createClientCredentials({ ...options, onEvent: (event) => console.log(event.title) })
   * ```
   */
  onEvent?: (event: AuthEvent) => void
}

/** The validated configuration with defaults applied. Holds the credential: never expose it. */
export interface ResolvedConfig {
  issuer: URL
  clientId: string
  credential:
    | { method: 'client_secret_basic' | 'client_secret_post'; secret: string }
    | {
        method: 'private_key_jwt'
        key: ClientPrivateKey
      }
  scope: string | undefined
  resource: string | undefined
  apiOrigins: readonly string[]
  refreshLeeway: number
  retries: number
  timeoutMs: number
  fetch: typeof fetch
  /** True when the issuer is `http://` on a loopback host, the only case oauth4webapi may use http. */
  insecureLoopback: boolean
}

const KNOWN_OPTIONS = new Set([
  'issuer',
  'clientId',
  'clientSecret',
  'privateKey',
  'authMethod',
  'scope',
  'resource',
  'apiOrigins',
  'refreshLeeway',
  'retries',
  'timeoutMs',
  'fetch',
  'onEvent',
])

const METHODS: readonly ClientAuthMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
]

function invalid(message: string): AuthError {
  return new AuthError('config_invalid', `Invalid @latchkey/m2m configuration: ${message}`)
}

/**
 * Checks an absolute https URL (http only on loopback) without fragment, credentials or query.
 * @throws {@link AuthError} with `code` naming `name` in its message.
 */
function parseUrl(
  name: string,
  value: unknown,
  fail: (message: string) => AuthError = invalid,
): URL {
  const url = parseAbsoluteUrl(name, value, fail)
  if (url.search !== '') throw fail(`\`${name}\` must not contain a query string.`)
  return url
}

/**
 * Normalises a space-separated scope; `undefined` stays `undefined`.
 * @throws {@link AuthError} from `fail` when it is not a non-empty string.
 */
export function parseScope(
  value: unknown,
  fail: (message: string) => AuthError = invalid,
): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.trim() === '') {
    throw fail('`scope` must be a non-empty, space-separated string.')
  }
  return value.trim().split(/\s+/).join(' ')
}

/**
 * Checks an RFC 8707 resource indicator and returns it exactly as given; `undefined` stays so.
 * @throws {@link AuthError} from `fail` when it is not an absolute https URL without fragment.
 */
export function parseResource(
  value: unknown,
  fail: (message: string) => AuthError = invalid,
): string | undefined {
  if (value === undefined) return undefined
  parseUrl('resource', value, fail)
  return value as string
}

function parseOrigin(value: unknown, index: number): string {
  const label = `apiOrigins[${index}]`
  const url = parseUrl(label, value)
  if (url.pathname !== '/' || (value as string).endsWith('/')) {
    throw invalid(
      `\`${label}\` must be an origin such as "https://api.example.com", without path, query or trailing slash (got "${String(value)}").`,
    )
  }
  return url.origin
}

function parsePrivateKey(value: unknown): ClientPrivateKey {
  const candidate =
    value instanceof CryptoKey ? { key: value } : (value as Partial<ClientPrivateKey> | null)
  const key = typeof candidate === 'object' && candidate !== null ? candidate.key : undefined
  if (!(key instanceof CryptoKey)) {
    throw invalid('`privateKey` must be a CryptoKey or `{ key: CryptoKey, kid?: string }`.')
  }
  if (key.type !== 'private' || !key.usages.includes('sign')) {
    throw invalid(
      '`privateKey` must be a private key with the "sign" usage (import it with usages ["sign"]).',
    )
  }
  const kid = candidate?.kid
  if (kid !== undefined && (typeof kid !== 'string' || kid === '')) {
    throw invalid('`privateKey.kid` must be a non-empty string when given.')
  }
  return kid === undefined ? { key } : { key, kid }
}

function nonNegative(name: string, value: unknown, fallback: number, what: string): number {
  const result = value ?? fallback
  if (typeof result !== 'number' || !Number.isFinite(result) || result < 0) {
    throw invalid(`\`${name}\` must be ${what}, 0 or more.`)
  }
  return result
}

/**
 * Checks a configuration and applies defaults.
 * @throws {@link AuthError} `config_invalid` naming the option to fix (never its secret value).
 */
export function resolveConfig(config: ClientCredentialsConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) {
    throw invalid(
      'createClientCredentials() takes an object with `issuer`, `clientId` and `clientSecret` or `privateKey`.',
    )
  }
  const given = config as unknown as Record<string, unknown>
  for (const name of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(name)) throw invalid(`unknown option \`${name}\`.`)
  }

  const issuer = parseUrl('issuer', config.issuer)
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') {
    throw invalid('`clientId` is required and must be a non-empty string.')
  }

  const hasSecret = config.clientSecret !== undefined
  const hasKey = config.privateKey !== undefined
  if (hasSecret === hasKey) {
    throw invalid(
      hasSecret
        ? 'give either `clientSecret` or `privateKey`, not both.'
        : 'a confidential client needs a credential: give `clientSecret` (client_secret_basic / client_secret_post) or `privateKey` (private_key_jwt).',
    )
  }
  const method = config.authMethod ?? (hasSecret ? 'client_secret_basic' : 'private_key_jwt')
  if (!METHODS.includes(method)) {
    throw invalid(
      `\`authMethod\` must be 'client_secret_basic', 'client_secret_post' or 'private_key_jwt' (got ${JSON.stringify(method)}).`,
    )
  }
  let credential: ResolvedConfig['credential']
  if (method === 'private_key_jwt') {
    if (!hasKey) {
      throw invalid("`authMethod: 'private_key_jwt'` needs a `privateKey`, not a `clientSecret`.")
    }
    credential = { method, key: parsePrivateKey(config.privateKey) }
  } else {
    if (!hasSecret) {
      throw invalid(`\`authMethod: '${method}'\` needs a \`clientSecret\`, not a \`privateKey\`.`)
    }
    if (typeof config.clientSecret !== 'string' || config.clientSecret === '') {
      throw invalid('`clientSecret` must be a non-empty string.')
    }
    credential = { method, secret: config.clientSecret }
  }

  const scope = parseScope(config.scope)
  const resource = parseResource(config.resource)

  const apiOrigins = config.apiOrigins ?? []
  if (!Array.isArray(apiOrigins)) throw invalid('`apiOrigins` must be an array of origins.')

  const refreshLeeway = nonNegative(
    'refreshLeeway',
    config.refreshLeeway,
    30,
    'a number of seconds',
  )
  const retries = nonNegative('retries', config.retries, 3, 'a whole number')
  if (!Number.isInteger(retries) || retries > 10) {
    throw invalid('`retries` must be a whole number from 0 to 10.')
  }
  const timeoutMs = config.timeoutMs ?? 15_000
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw invalid('`timeoutMs` must be a positive number of milliseconds.')
  }
  if (config.fetch !== undefined && typeof config.fetch !== 'function') {
    throw invalid('`fetch` must be a function like globalThis.fetch.')
  }
  const { onEvent } = config
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw invalid('`onEvent` must be a function.')
  }
  const custom = config.fetch
  // Looked up at call time, so code that wraps globalThis.fetch after setup is still used.
  const base: typeof fetch = custom ?? ((input, init) => globalThis.fetch(input, init))
  // Every request (discovery, token, authFetch) goes through this fetch, so it reports them all;
  // its events pass through the mask errors pass through, for a server that echoes the secret.
  const fetchImpl =
    onEvent === undefined
      ? base
      : inspector(onEvent, {
          fetch: base,
          now: Date.now,
          redact: createMask(credential.method === 'private_key_jwt' ? [] : [credential.secret]),
        }).fetch

  return {
    issuer,
    clientId: config.clientId,
    credential,
    scope,
    resource,
    apiOrigins: apiOrigins.map(parseOrigin),
    refreshLeeway,
    retries,
    timeoutMs,
    fetch: fetchImpl,
    insecureLoopback: issuer.protocol === 'http:',
  }
}
