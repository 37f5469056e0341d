import {
  AuthError,
  type AuthFetch,
  type Credentials,
  createAuthFetch,
  createSender,
} from '@latchkey/core/internal'
import { type ClientCredentialsConfig, parseResource, parseScope, resolveConfig } from './config.js'
import { createRedactor } from './lib/redact.js'
import { createTokenCache, type TokenParams } from './tokenCache.js'
import { createTokenRequest } from './tokenRequest.js'

/** Options of {@link ClientCredentials.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Scopes for this token instead of the configured `scope` (cached separately). */
  scope?: string
  /** Resource for this token instead of the configured `resource` (cached separately). */
  resource?: string
  /** Request a new token even if the cached one is still fresh. */
  forceRefresh?: boolean
}

/** A client-credentials token source, see {@link createClientCredentials}. */
export interface ClientCredentials {
  /** The configured issuer (serialisations of this object show only it and `clientId`). */
  readonly issuer: string
  readonly clientId: string
  /**
   * Resolves with an access token valid for at least the refresh leeway: the cached one, or a new
   * one (concurrent callers share one token request).
   * @throws {@link AuthError} `token_request_failed` (with the server's `error`, e.g.
   *   `invalid_client`, `invalid_scope`; or the `status` of a 5xx after the retries),
   *   `network_error`, `timeout`, `discovery_failed`, `issuer_mismatch`; `invalid_argument` for
   *   an invalid `scope` or `resource` option.
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <token>` (configured scope and resource), only to
   * `apiOrigins` (exact match). A 401 `invalid_token` answer gets one new token and one retry.
   * @throws {@link AuthError} `origin_not_allowed` before any request to another origin (and for
   *   relative URLs, `invalid_argument`), and the errors of {@link getAccessToken}.
   * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 section 3.1}
   */
  authFetch: AuthFetch
  /** `{ issuer, clientId }`: what `JSON.stringify` shows. */
  toJSON(): { issuer: string; clientId: string }
}

const INSPECT = Symbol.for('nodejs.util.inspect.custom')

/**
 * Creates a machine-to-machine token source for a confidential client: the OAuth 2 client
 * credentials grant, authenticated with `client_secret_basic`, `client_secret_post` or
 * `private_key_jwt`, with tokens cached per scope + resource until shortly before they expire.
 *
 * The secret (or key) is kept in a closure: it appears in no error, log or serialisation of the
 * returned object. Nothing is requested until the first token is needed.
 *
 * @example
 * ```ts
 * const m2m = createClientCredentials({
 *   issuer: 'https://id.example.com',
 *   clientId: 'billing-worker',
 *   clientSecret: process.env.CLIENT_SECRET,
 *   apiOrigins: ['https://api.example.com'],
 * })
 * const res = await m2m.authFetch('https://api.example.com/invoices')
 * ```
 * @throws {@link AuthError} `config_invalid` naming the option to fix.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 section 4.4}
 */
export function createClientCredentials(config: ClientCredentialsConfig): ClientCredentials {
  const resolved = resolveConfig(config)
  const { clientId } = resolved
  const issuer = config.issuer
  const redact = createRedactor(
    resolved.credential.method === 'private_key_jwt' ? [] : [resolved.credential.secret],
  )
  const cache = createTokenCache({
    now: () => Date.now(),
    leewayMs: resolved.refreshLeeway * 1000,
    request: createTokenRequest(resolved),
  })
  const configured: TokenParams = { scope: resolved.scope, resource: resolved.resource }

  const send = createSender(resolved.fetch)
  const fetchWithToken = createAuthFetch({
    send: () => send,
    // A service has no page: relative URLs are refused rather than guessed.
    base: () => undefined,
    allowedOrigins: () => resolved.apiOrigins,
    credentials: async (rejected): Promise<Credentials> => ({
      token: await cache.get(configured, rejected === undefined ? {} : { rejected }),
      dpop: undefined,
    }),
  })

  const summary = () => ({ issuer, clientId })
  const client: ClientCredentials = {
    issuer,
    clientId,
    async getAccessToken(options = {}) {
      try {
        const params = paramsFor(options, configured)
        return await cache.get(params, { forceRefresh: options.forceRefresh === true })
      } catch (error) {
        throw redact(error)
      }
    },
    async authFetch(input, init) {
      try {
        return await fetchWithToken(input, init)
      } catch (error) {
        throw redact(error)
      }
    },
    toJSON: summary,
  }
  Object.defineProperties(client, {
    toString: { value: () => `ClientCredentials(${issuer}, ${clientId})` },
    [INSPECT]: {
      value: (_depth: number, options: object, inspect: (value: unknown, o: object) => string) =>
        `ClientCredentials ${inspect(summary(), options)}`,
    },
  })
  return Object.freeze(client)
}

function paramsFor(options: GetAccessTokenOptions, configured: TokenParams): TokenParams {
  if (typeof options !== 'object' || options === null) {
    throw new AuthError('invalid_argument', 'getAccessToken() takes an options object or nothing.')
  }
  const fail = (message: string) =>
    new AuthError('invalid_argument', `getAccessToken() was given an invalid option: ${message}`)
  return {
    scope: options.scope === undefined ? configured.scope : parseScope(options.scope, fail),
    resource:
      options.resource === undefined ? configured.resource : parseResource(options.resource, fail),
  }
}
