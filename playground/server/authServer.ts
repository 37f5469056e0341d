// The playground's authorization server: a real oidc-provider instance configured the way the
// SDK expects a production server to be (PKCE, rotating refresh tokens, JWT access tokens, RFC 9207).
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { exportJWK, generateKeyPair, type JWK } from 'jose'
import Provider, { type Configuration, errors } from 'oidc-provider'
import { listen, type RunningServer, readJson, sendJson, stop } from './http.js'
import { SERVICE_CLIENT_SECRET, SERVICE_CLIENTS, SERVICE_SCOPE } from './serviceClients.js'

export { SERVICE_CLIENT_SECRET, SERVICE_CLIENTS }

/** Options for {@link startAuthServer}. */
export interface AuthServerOptions {
  /** Port to listen on (host 127.0.0.1). */
  port: number
  /** Issuer identifier, e.g. `http://localhost:4000`; must match how browsers reach the server. */
  issuer: string
  /** Origins of the demo SPAs; each one's `/callback` and `/` are the only registered redirect URIs. */
  spaOrigins: readonly string[]
  /** Resource indicator (and `aud`) of the demo API, the default resource. */
  apiAudience: string
  /**
   * Resource indicator (and `aud`) of the reports API, a second resource server whose tokens
   * carry `reports:read` only. Without it the demo API is the only resource server.
   */
  reportsAudience?: string
  /**
   * Access-token lifetime in seconds; `POST /__playground/config` changes it at runtime.
   * @default 300
   */
  accessTokenTtl?: number
  /**
   * Demand DPoP nonces at the token endpoint (RFC 9449 section 8); `POST /__playground/config`
   * switches it at runtime.
   * @default false
   */
  dpopNonce?: boolean
  /**
   * List `dpop_signing_alg_values_supported` in the discovery document, so clients use DPoP.
   * Off, clients discover a server without DPoP and get Bearer tokens; `POST /__playground/config`
   * switches it at runtime.
   * @default true
   */
  advertiseDpop?: boolean
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` with the server's HTML pages (login, consent),
   * as many hosted login pages do: a popup showing them loses its link to the app's window.
   * `POST /__playground/config` switches it at runtime.
   * @default false
   */
  coop?: boolean
  /**
   * Require pushed authorization requests (RFC 9126) of the SPA client: its metadata says
   * `require_pushed_authorization_requests`, and an authorization request that was not pushed is
   * refused (`invalid_request`). Pushed requests are always accepted and advertised.
   * `POST /__playground/config` switches it at runtime.
   * @default false
   */
  requirePar?: boolean
}

/** The runtime-adjustable settings served by `GET` / `POST /__playground/config`. */
export interface PlaygroundConfig {
  /** Lifetime in seconds of access tokens issued from now on. */
  accessTokenTtl: number
  /**
   * Whether DPoP proofs must carry a server nonce (RFC 9449 section 8). When off, the server
   * also sends no `DPoP-Nonce` header, so a client that later meets the switch turned on gets a
   * real `use_dpop_nonce` challenge instead of quietly reusing a nonce it was handed earlier.
   */
  dpopNonce: boolean
  /**
   * Whether the discovery document lists `dpop_signing_alg_values_supported`. Off, a client
   * that discovers the server afresh sees a server without DPoP (proofs are still accepted).
   */
  advertiseDpop: boolean
  /** Whether the server's HTML pages carry `Cross-Origin-Opener-Policy: same-origin`. */
  coop: boolean
  /**
   * Whether the SPA client must push its authorization requests (RFC 9126), which the discovery
   * document then says (`require_pushed_authorization_requests`).
   */
  requirePar: boolean
}

/** One POST to the token endpoint, as reported by `GET /__playground/stats`. */
export interface TokenRequestRecord {
  grant_type: string | null
  status: number
  /** Whether the request carried a `DPoP` proof header. */
  dpop: boolean
  /**
   * The request's `resource` (RFC 8707), `null` without one; values of a repeated parameter are
   * joined by spaces. Tests count the refreshes per API by it.
   */
  resource: string | null
  /** The request's `scope`, `null` without one. */
  scope: string | null
  /** The OAuth `error` code of an error response, e.g. `use_dpop_nonce`. */
  error?: string
  at: number
}

/** One POST to the pushed authorization request endpoint, as `GET /__playground/stats` lists it. */
export interface ParRequestRecord {
  client_id: string | null
  status: number
  /** Whether the request carried a `DPoP` proof header (RFC 9449 section 10.1). */
  dpop: boolean
  /**
   * The parameters pushed (the authorization request: `state`, `code_challenge`, `dpop_jkt`, ...;
   * a public client's, so no secret), for tests that check what the `request_uri` stands for.
   */
  params: Record<string, string | string[]>
  /** The `request_uri` of a successful response. */
  request_uri?: string
  /** The OAuth `error` code of an error response. */
  error?: string
  at: number
}

/** Client id of the one public client the playground registers. */
const SPA_CLIENT_ID = 'latchkey-spa'

/** The scope the SPA's access tokens get for the demo API. */
const API_SCOPE = 'api:read'
/** The scope the SPA's access tokens get for the reports API. */
const REPORTS_SCOPE = 'reports:read'
/** A started authorization server. */
export interface AuthServer extends RunningServer {
  /**
   * The private key (JWK with `kid` and `alg`) of `latchkey-service-jwt`, generated at start;
   * the server knows its public half.
   */
  serviceClientKey: JWK
}

/**
 * Starts an oidc-provider authorization server with one public SPA client, three confidential
 * service clients ({@link SERVICE_CLIENTS}) allowed only the client-credentials grant, and two
 * resource servers (RFC 8707): the demo API, the default, and the reports API when
 * `reportsAudience` is given. The SPA's tokens get {@link API_SCOPE} for the demo API and
 * {@link REPORTS_SCOPE} for the reports API, the service clients' tokens {@link SERVICE_SCOPE},
 * for the demo API only; all are JWTs (RFC 9068) with their API as `aud`.
 *
 * Besides the provider's own routes it serves test hooks: `GET /__playground/stats` lists every
 * token-endpoint request so tests can count refreshes (and every pushed authorization request),
 * and `GET` / `POST /__playground/config`
 * reads and changes {@link PlaygroundConfig} (POST a JSON object with the keys to change, e.g.
 * `{ "accessTokenTtl": 4 }` or `{ "dpopNonce": true }`; the answer is the whole config, or 400
 * when a value is invalid). DPoP (RFC 9449) is on: a token request with a proof gets DPoP-bound
 * tokens, one without gets Bearer tokens.
 *
 * @returns the server's base URL and a `close()` that stops it.
 * @throws when the port is taken (the error has `code: 'EADDRINUSE'`).
 */
export async function startAuthServer(options: AuthServerOptions): Promise<AuthServer> {
  const { issuer, spaOrigins, apiAudience, reportsAudience } = options
  // Mutable so tests can shorten token lifetimes without restarting the server; both places
  // that set the lifetime read it when a token is issued.
  const config: PlaygroundConfig = {
    accessTokenTtl: options.accessTokenTtl ?? 300,
    dpopNonce: options.dpopNonce ?? false,
    advertiseDpop: options.advertiseDpop ?? true,
    coop: options.coop ?? false,
    requirePar: options.requirePar ?? false,
  }
  const tokenRequests: TokenRequestRecord[] = []
  const parRequests: ParRequestRecord[] = []
  const serviceKey = await serviceClientKey()
  const serviceClientIds = new Set<string>(Object.values(SERVICE_CLIENTS))
  const service = (method: keyof typeof SERVICE_CLIENTS) => ({
    client_id: SERVICE_CLIENTS[method],
    client_name: `Latchkey playground service (${method})`,
    token_endpoint_auth_method: method,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SERVICE_SCOPE,
  })

  const configuration: Configuration = {
    clients: [
      {
        client_id: SPA_CLIENT_ID,
        client_name: 'Latchkey playground SPA',
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: spaOrigins.map((origin) => `${origin}/callback`),
        post_logout_redirect_uris: spaOrigins.map((origin) => `${origin}/`),
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // Not required: a client without DPoP (or a server discovered without it) still gets
        // Bearer tokens. A token request with a proof gets DPoP-bound access and refresh tokens.
        dpop_bound_access_tokens: false,
        // The SPA may never ask for the service scope.
        scope: ['openid', 'profile', 'email', 'offline_access', API_SCOPE, REPORTS_SCOPE].join(' '),
      },
      { ...service('client_secret_basic'), client_secret: SERVICE_CLIENT_SECRET },
      { ...service('client_secret_post'), client_secret: SERVICE_CLIENT_SECRET },
      {
        ...service('private_key_jwt'),
        token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [publicJwk(serviceKey)] },
      },
    ],
    jwks: { keys: await signingKeys() },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: [
      'openid',
      'profile',
      'email',
      'offline_access',
      API_SCOPE,
      REPORTS_SCOPE,
      SERVICE_SCOPE,
    ],
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    // The dev login accepts any name, so every login name is an account.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: sub, email: `${sub}@example.test`, email_verified: true }),
    }),
    // Without this oidc-provider keeps profile/email out of the ID token in the code flow
    // (they would only be available from userinfo); the SDK's `user` comes from the ID token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Explicit lifetimes (in seconds) so the provider does not warn about each default.
    ttl: {
      AccessToken: () => config.accessTokenTtl,
      ClientCredentials: () => config.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },
    // oidc-provider follows OIDC Core 11 and drops offline_access unless the request also says
    // prompt=consent, which would force the consent page on every login. Public browser clients
    // get a refresh token anyway (the docs' suggested policy); without offline_access it ends
    // with the end-user's session (expiresWithSession), so signing out also kills it.
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || client.clientAuthMethod === 'none'),
    // Rotation on every use is what the SDK's cross-tab refresh lock exists for.
    rotateRefreshToken: () => true,
    // The user's authentication time and level in the access tokens too (RFC 9068 section 2.2.1),
    // for the demo API's step-up route (RFC 9470), which reads them there: from the code on the
    // code exchange, from the refresh token (which keeps the sign-in's) on a refresh.
    extraTokenClaims: (ctx) => {
      const { AuthorizationCode: code, RefreshToken: refresh } = ctx.oidc.entities
      const source = code ?? refresh
      if (source?.authTime === undefined) return undefined
      return {
        auth_time: source.authTime,
        ...(source.acr === undefined ? {} : { acr: source.acr }),
      }
    },
    clientBasedCORS: (_ctx, origin) => spaOrigins.includes(origin),
    features: {
      devInteractions: { enabled: true },
      // RFC 9449. Nonces are derived from the secret, so it only has to live as long as the
      // server; public clients' refresh tokens are bound to the proof key of the code exchange.
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: () => config.dpopNonce,
        allowReplay: false,
      },
      // RFC 9126, advertised (pushed_authorization_request_endpoint); `requirePar` requires it of
      // the SPA client at runtime.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // The demo API when a request names no resource, and when the grant holds several (the
        // demo API and the reports API) and the token request names none of them: oidc-provider
        // then passes them as `oneOf`, and a token is for one audience only.
        defaultResource: (_ctx, _client, oneOf) =>
          oneOf === undefined || oneOf.includes(apiAudience) ? apiAudience : oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator, client) => {
          const serviceClient = serviceClientIds.has(client.clientId)
          if (resourceIndicator === apiAudience) {
            return {
              // Service tokens carry no end user, the SPA's always do: the scopes keep them apart.
              scope: serviceClient ? SERVICE_SCOPE : API_SCOPE,
              audience: apiAudience,
              accessTokenFormat: 'jwt',
              accessTokenTTL: config.accessTokenTtl,
            }
          }
          if (resourceIndicator === reportsAudience && !serviceClient) {
            return {
              scope: REPORTS_SCOPE,
              audience: reportsAudience,
              accessTokenFormat: 'jwt',
              accessTokenTTL: config.accessTokenTtl,
            }
          }
          throw new errors.InvalidTarget()
        },
      },
    },
  }

  const provider = new Provider(issuer, configuration)
  // oidc-provider's own check refuses an authorization request that was not pushed when the
  // client's `require_pushed_authorization_requests` is set; the static client it has loaded is
  // given the setting, so switching it needs no restart.
  const applyRequirePar = async () => {
    const client = await provider.Client.find(SPA_CLIENT_ID)
    // Read-only in oidc-provider's types; a plain property of the client object it keeps.
    if (client) Object.assign(client, { requirePushedAuthorizationRequests: config.requirePar })
  }
  await applyRequirePar()

  provider.use(async (ctx, next) => {
    await next()
    if (!config.dpopNonce) ctx.remove('DPoP-Nonce')
    if (!config.advertiseDpop && ctx.oidc?.route === 'discovery' && isRecord(ctx.body)) {
      const { dpop_signing_alg_values_supported: _, ...metadata } = ctx.body
      ctx.body = metadata
    }
    if (config.requirePar && ctx.oidc?.route === 'discovery' && isRecord(ctx.body)) {
      ctx.body = { ...ctx.body, require_pushed_authorization_requests: true }
    }
    if (ctx.oidc?.route === 'pushed_authorization_request' && ctx.method === 'POST') {
      const params = (ctx.oidc.body ?? {}) as Record<string, unknown>
      const body = isRecord(ctx.body) ? ctx.body : {}
      parRequests.push({
        client_id: typeof params.client_id === 'string' ? params.client_id : null,
        status: ctx.status,
        dpop: ctx.get('DPoP') !== '',
        // A parameter sent more than once (RFC 8707's `resource`) is kept as the list of its values.
        params: Object.fromEntries(
          Object.entries(params).filter((entry): entry is [string, string | string[]] => {
            const value = entry[1]
            return (
              typeof value === 'string' ||
              (Array.isArray(value) && value.every((item) => typeof item === 'string'))
            )
          }),
        ),
        ...(typeof body.request_uri === 'string' ? { request_uri: body.request_uri } : {}),
        ...(ctx.status >= 400 && typeof body.error === 'string' ? { error: body.error } : {}),
        at: Date.now(),
      })
    }
    if (ctx.oidc?.route === 'token' && ctx.method === 'POST') {
      const grantType = ctx.oidc.params?.grant_type ?? ctx.oidc.body?.grant_type
      const error = ctx.status >= 400 && isRecord(ctx.body) ? ctx.body.error : undefined
      // The form as sent: oidc-provider's params may hold the resource it defaulted to.
      const form = (ctx.oidc.body ?? {}) as Record<string, unknown>
      tokenRequests.push({
        grant_type: typeof grantType === 'string' ? grantType : null,
        status: ctx.status,
        dpop: ctx.get('DPoP') !== '',
        resource: formValue(form.resource),
        scope: formValue(form.scope),
        ...(typeof error === 'string' ? { error } : {}),
        at: Date.now(),
      })
    }
    // The built-in pages pull a web font from Google; the playground must work offline and
    // a stalled stylesheet would delay the page's load event in e2e tests.
    if (config.coop && ctx.response.is('html')) ctx.set('Cross-Origin-Opener-Policy', 'same-origin')
    if (ctx.response.is('html') && typeof ctx.body === 'string') {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '')
    }
  })

  const handleOidc = provider.callback()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const path = url.pathname
    if (path.startsWith('/__playground/')) {
      if (req.method === 'GET' && path === '/__playground/stats') {
        sendJson(res, 200, { tokenRequests, parRequests })
      } else if (req.method === 'POST' && path === '/__playground/refresh-token') {
        // Whether the server still honours a refresh token: tests check revocation with it, since
        // a DPoP-bound token cannot be tried from outside the browser that holds its key.
        readJson(req).then(
          async (body) => {
            const value = (body as { refresh_token?: unknown }).refresh_token
            const token =
              typeof value === 'string' ? await provider.RefreshToken.find(value) : undefined
            sendJson(res, 200, {
              active: token !== undefined && !token.isExpired && !token.consumed,
            })
          },
          () => sendJson(res, 400, { error: 'invalid_request' }),
        )
      } else if (req.method === 'GET' && path === '/__playground/config') {
        sendJson(res, 200, config)
      } else if (req.method === 'POST' && path === '/__playground/config') {
        readJson(req).then(
          async (body) => {
            const problem = updateConfig(config, body)
            if (problem)
              sendJson(res, 400, { error: 'invalid_request', error_description: problem })
            else {
              await applyRequirePar()
              sendJson(res, 200, config)
            }
          },
          () =>
            sendJson(res, 400, { error: 'invalid_request', error_description: 'body is not JSON' }),
        )
      } else {
        sendJson(res, 404, { error: 'not_found' })
      }
      return
    }
    handleOidc(req, res)
  })

  await listen(server, options.port)
  return { url: issuer, close: () => stop(server), serviceClientKey: serviceKey }
}

/** Applies a `POST /__playground/config` body; returns what is wrong with it, if anything. */
function updateConfig(config: PlaygroundConfig, body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'body must be a JSON object'
  }
  const { accessTokenTtl, dpopNonce, advertiseDpop, coop, requirePar } = body as Record<
    string,
    unknown
  >
  if (dpopNonce !== undefined && typeof dpopNonce !== 'boolean') {
    return 'dpopNonce must be true or false'
  }
  if (advertiseDpop !== undefined && typeof advertiseDpop !== 'boolean') {
    return 'advertiseDpop must be true or false'
  }
  if (coop !== undefined && typeof coop !== 'boolean') return 'coop must be true or false'
  if (requirePar !== undefined && typeof requirePar !== 'boolean') {
    return 'requirePar must be true or false'
  }
  if (accessTokenTtl !== undefined) {
    // oidc-provider requires a positive safe integer number of seconds.
    if (
      typeof accessTokenTtl !== 'number' ||
      !Number.isSafeInteger(accessTokenTtl) ||
      accessTokenTtl <= 0
    ) {
      return 'accessTokenTtl must be a positive integer number of seconds'
    }
    config.accessTokenTtl = accessTokenTtl
  }
  if (dpopNonce !== undefined) config.dpopNonce = dpopNonce
  if (advertiseDpop !== undefined) config.advertiseDpop = advertiseDpop
  if (coop !== undefined) config.coop = coop
  if (requirePar !== undefined) config.requirePar = requirePar
  return undefined
}

/** A form parameter's value (a repeated one's values joined by spaces), or `null`. */
function formValue(value: unknown): string | null {
  if (typeof value === 'string') return value
  if (Array.isArray(value) && value.length > 0) return value.map(String).join(' ')
  return null
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The private JWK of `latchkey-service-jwt`, fresh per start like the signing keys. */
async function serviceClientKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true })
  const jwk = await exportJWK(privateKey)
  return { ...jwk, kid: `service-${randomBytes(6).toString('hex')}`, alg: 'ES256', use: 'sig' }
}

function publicJwk({ d: _, ...jwk }: JWK): JWK {
  return jwk
}

/** Fresh keys per start: nothing persists, so old tokens stop verifying after a restart. */
async function signingKeys(): Promise<JWK[]> {
  const keys: JWK[] = []
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true })
    const jwk = await exportJWK(privateKey)
    keys.push({
      ...jwk,
      kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`,
      alg,
      use: 'sig',
    })
  }
  return keys
}
