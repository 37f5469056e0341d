// The provider lab's machinery: an oidc-provider instance per emulated provider, shaped by a
// ProviderDefinition, and an API emulator that validates each provider's access tokens.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  EmbeddedJWK,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  jwtVerify,
} from 'jose'
import Provider, { type Configuration, errors } from 'oidc-provider'
import { listen, sendJson, stop } from '../../playground/server/http.js'
import { APP, providerOrigin } from './urls.js'

/** The resource indicator (RFC 8707) oidc-provider knows the API emulator by; never sent by apps. */
const LAB_RESOURCE = 'urn:latchkey-lab:api'

/** What a provider's token endpoint may be asked for, as `/__lab/<name>/log` reports it. */
interface TokenRecord {
  grant_type: string | null
  status: number
  /** The request carried a `DPoP` proof. */
  dpop: boolean
  /** The OAuth `error` of an error answer, e.g. `use_dpop_nonce`. */
  error?: string
  /** For a refresh: a different refresh token came back. */
  rotated?: boolean
  /** For a refresh: the answer carried a refresh token at all (Amazon Cognito's, by default, none). */
  refreshTokenReturned?: boolean
  /** For a refresh: the refresh token it presented is still honoured now (checked when asked). */
  presentedStillHonoured?: boolean
}

/** One request to a provider's authorization endpoint. */
interface AuthorizeRecord {
  prompt: string | null
  /** The request carried any cookie: with third-party cookies blocked, the silent iframe's does not. */
  cookie: boolean
  /** `dpop_jkt` was sent (RFC 9449 section 10). */
  dpopJkt: boolean
}

/** What the lab's hooks report about one provider (`GET /__lab/<name>/log`). */
export interface ProviderLog {
  authorize: AuthorizeRecord[]
  token: TokenRecord[]
}

/**
 * One emulated provider. Everything a provider does differently from oidc-provider's defaults is
 * a field here, and each provider file says, next to the value, which documentation page it
 * comes from.
 */
export interface ProviderDefinition {
  /** First path segment of its app page (`/<name>/`), its API (`/<name>/me`) and its hooks. */
  name: string
  /** Its port: the lab's port base plus this (1 to 17, one per provider). */
  port: number
  /**
   * The issuer's path on its origin, e.g. `/oauth2/default`; every route lives below it. `''`
   * for an issuer that is the bare origin, `'/'` for the origin with a trailing slash (Auth0's).
   */
  issuerPath: string
  /** oidc-provider's `routes`, relative to {@link issuerPath}: the provider's documented paths. */
  routes: NonNullable<Configuration['routes']>
  /** The SPA's client id (a public client: PKCE, no secret). */
  clientId: string
  /** What the app asks for; the client may have these scopes. */
  scope: string
  /** The access tokens' `aud`, and the API emulator's expected audience. */
  audience: string
  /** Scope the access tokens carry for the API (the API emulator demands it). */
  apiScope: string
  /** Every DPoP proof at the token endpoint must carry the server's nonce (RFC 9449 section 8). */
  tokenEndpointDpopNonce: boolean
  /** RFC 9207: `iss` in the authorization response, advertised in the metadata. */
  issParameter: boolean
  /** A refresh token works once: each refresh returns a new one. */
  rotateRefreshTokens: boolean
  /**
   * When the end-session endpoint asks "sign out?" before ending the session: `always`, or only
   * when the app sends no `id_token_hint` (oidc-provider has validated any hint by then), or no
   * `logout_hint` (Entra ID's account picker).
   */
  signOutPrompt: 'always' | 'without-id-token-hint' | 'without-logout-hint'
  /** Claims the provider adds to its access tokens, beyond oidc-provider's. */
  accessTokenClaims?(token: {
    accountId: string
    clientId: string
    scopes: string[]
  }): Record<string, unknown>
  /**
   * What the provider's documentation tells an API to check beyond signature, `iss`, `aud` and
   * `exp`; the reason the token is refused, or `undefined` to accept it.
   */
  checkAccessToken?(payload: JWTPayload): string | undefined
  /**
   * A second API with an audience of its own, for `apis` entries (tokens per API): the API
   * emulator serves it at `/<name>/me` on REPORTS_API (urls.ts), checking this audience and what
   * `checkAccessToken` here says. The provider's `configure` (its resource indicators) issues
   * tokens for it.
   */
  reportsApi?: {
    audience: string
    checkAccessToken(payload: JWTPayload): string | undefined
  }
  /** Last word on the oidc-provider configuration, for a quirk no field above covers. */
  configure?(configuration: Configuration): void
  /**
   * Koa middleware in front of oidc-provider's routes (`ctx.path` is relative to the issuer's
   * path), for a documented behaviour that is no oidc-provider setting: a non-standard endpoint,
   * an error page, a reshaped answer. Given the provider, e.g. to end one of its sessions.
   */
  middleware?(provider: Provider): Parameters<Provider['use']>[0]
  /**
   * Where the endpoints (the `routes`) live when not below {@link issuerPath}: `path` on the
   * issuer's origin (Entra ID's `/{tenant}/oauth2/v2.0/...` beside the issuer `/{tenant}/v2.0`;
   * `''` for the origin's root), and `port`, another port offset, when they are on another origin
   * (Amazon Cognito's managed-login domain). Requests below `<issuerPath>/.well-known/` go to
   * the same server: discovery stays at the issuer. `ctx.path` is then relative to `path`.
   */
  endpoints?: { path: string; port?: number }
  /**
   * The issuer its tokens name, when not the one the app discovers (Entra ID's `/common/v2.0`
   * signs users in at their home tenant, `/{tenant id}/v2.0`): oidc-provider runs as this
   * issuer, and the API emulator expects it in `iss`.
   */
  tokenIssuerPath?: string
  /**
   * Its access tokens carry no `aud` (Amazon Cognito's name the client in `client_id`): the API
   * emulator does not check `aud`, and `checkAccessToken` checks what the provider says instead.
   */
  accessTokensWithoutAud?: boolean
}

/** A started provider: its issuer, what it logged, and how to stop it. */
export interface RunningProvider {
  definition: ProviderDefinition
  issuer: string
  log(): Promise<ProviderLog>
  /**
   * Presents the refresh token of the last successful refresh once more, as the holder of a
   * stolen copy would (no DPoP proof: for Bearer sessions), and reports the token endpoint's
   * answer and whether the refresh token that refresh returned is still honoured after it.
   */
  replayRefresh(): Promise<{ status: number; error?: string; successorHonoured: boolean } | null>
  close(): Promise<void>
}

/** The API emulator's record of one call (`GET /__lab/api/log`). */
export interface ApiRecord {
  provider: string
  path: string
  /** The `Authorization` scheme sent. */
  scheme: string | null
  status: number
}

/**
 * Starts one provider on 127.0.0.1: oidc-provider with the dev login page (any name and
 * password, then a consent page), PKCE required, DPoP offered, revocation, RP-initiated logout
 * and JWT access tokens for the definition's audience, changed where the definition says so.
 */
export async function startProvider(definition: ProviderDefinition): Promise<RunningProvider> {
  const origin = providerOrigin(definition.port)
  const issuer = `${origin}${definition.issuerPath}`
  const appPage = `${APP}/${definition.name}`
  const authorizeLog: AuthorizeRecord[] = []
  // The refresh token each refresh presented stays here (never in an answer): the log checks
  // whether the server still honours it when asked.
  const tokenLog: Array<{ record: TokenRecord; presented?: string; issued?: string }> = []
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: `${definition.name}-${randomBytes(4).toString('hex')}`,
    alg: 'RS256',
    use: 'sig',
  }
  const scopes = definition.scope.split(' ')

  const configuration: Configuration = {
    clients: [
      {
        client_id: definition.clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [`${appPage}/callback`],
        post_logout_redirect_uris: [`${appPage}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // A proof binds the tokens; no proof gets Bearer tokens (the `dpop: false` journeys).
        dpop_bound_access_tokens: false,
        scope: [...scopes, definition.apiScope].join(' '),
      },
    ],
    routes: definition.routes,
    jwks: { keys: [signingKey] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // The session cookie must reach the silent sign-in iframe, a third-party context on the
      // app's page: only SameSite=None; Secure cookies can. `Secure` is added on the way out
      // (see secureCookies). The interaction cookies are only read by the provider's own
      // top-level pages.
      long: { httpOnly: true, sameSite: 'none' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: [...scopes, definition.apiScope],
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: sub, email: `${sub}@example.test`, email_verified: true }),
    }),
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: {
      AccessToken: 300,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 86_400,
      Grant: 86_400,
    },
    // A public client gets a refresh token without prompt=consent (see playground/server).
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || client.clientAuthMethod === 'none'),
    rotateRefreshToken: () => definition.rotateRefreshTokens,
    clientBasedCORS: (_ctx, requestOrigin) => requestOrigin === APP,
    extraTokenClaims: (_ctx, token) =>
      'accountId' in token && definition.accessTokenClaims
        ? definition.accessTokenClaims({
            accountId: token.accountId,
            clientId: token.clientId ?? definition.clientId,
            scopes: (token.scope ?? '').split(' ').filter(Boolean),
          })
        : undefined,
    features: {
      devInteractions: { enabled: true },
      // oidc-provider offers pushed authorization requests (RFC 9126) unless told otherwise, and
      // Latchkey pushes wherever they are offered: off here, as Google, Cognito, Entra ID and
      // Auth0 (but for its Highly Regulated Identity add-on) offer none. e2e/par.spec.ts runs
      // them against the playground.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: {
        enabled: true,
        nonceSecret: randomBytes(32),
        requireNonce: () => definition.tokenEndpointDpopNonce,
        allowReplay: false,
      },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const hinted =
            (definition.signOutPrompt === 'without-id-token-hint' &&
              typeof ctx.oidc.params?.id_token_hint === 'string') ||
            (definition.signOutPrompt === 'without-logout-hint' &&
              typeof ctx.oidc.params?.logout_hint === 'string')
          ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign out</title></head><body>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
${hinted ? `<script>const form = document.getElementById('op.logoutForm'); const yes = Object.assign(document.createElement('input'), { type: 'hidden', name: 'logout', value: 'yes' }); form.append(yes); form.submit()</script>` : ''}
</body></html>`
        },
      },
      // How oidc-provider issues JWT access tokens for an API: the app sends no `resource`, the
      // lab's one API is the default, and its `aud` is whatever the provider puts there.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => LAB_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          if (resourceIndicator !== LAB_RESOURCE) throw new errors.InvalidTarget()
          return {
            scope: definition.apiScope,
            audience: definition.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
          }
        },
      },
    },
  }
  definition.configure?.(configuration)

  const provider = new Provider(
    definition.tokenIssuerPath === undefined ? issuer : `${origin}${definition.tokenIssuerPath}`,
    configuration,
  )
  provider.use(async (ctx, next) => {
    await next()
    const route = ctx.oidc?.route
    // The built-in pages pull a web font from Google: the lab works offline, and a stalled
    // stylesheet would hold up the page's load event.
    if (ctx.response.is('html') && typeof ctx.body === 'string') {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '')
    }
    if (route === 'authorization') {
      authorizeLog.push({
        prompt: ctx.query.prompt === undefined ? null : String(ctx.query.prompt),
        cookie: ctx.get('cookie') !== '',
        dpopJkt: ctx.query.dpop_jkt !== undefined,
      })
    }
    if (!definition.issParameter) {
      if (route === 'discovery' && isRecord(ctx.body)) {
        const { authorization_response_iss_parameter_supported: _, ...metadata } = ctx.body
        ctx.body = metadata
      }
      // The authorization response (a redirect to the app's callback, from the authorization
      // endpoint or from the resumed one after the login pages) then carries no `iss` either.
      const location = ctx.response.get('location') || ''
      if (location.startsWith(`${appPage}/callback?`)) {
        const callback = new URL(location)
        callback.searchParams.delete('iss')
        ctx.redirect(callback.href)
      }
    }
    if (route === 'token' && ctx.method === 'POST') {
      const grantType = ctx.oidc?.params?.grant_type
      const body = isRecord(ctx.body) ? ctx.body : {}
      const record: TokenRecord = {
        grant_type: typeof grantType === 'string' ? grantType : null,
        status: ctx.status,
        dpop: ctx.get('DPoP') !== '',
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
      }
      const presented = ctx.oidc?.params?.refresh_token
      if (grantType === 'refresh_token' && typeof presented === 'string') {
        if (ctx.status === 200) {
          record.refreshTokenReturned = typeof body.refresh_token === 'string'
          record.rotated = record.refreshTokenReturned && body.refresh_token !== presented
        }
        const issued = typeof body.refresh_token === 'string' ? body.refresh_token : undefined
        tokenLog.push({ record, presented, ...(issued === undefined ? {} : { issued }) })
      } else {
        tokenLog.push({ record })
      }
    }
  })
  if (definition.middleware) provider.use(definition.middleware(provider))
  const callback = provider.callback()
  // Where oidc-provider is mounted: the issuer's path without a trailing slash, or the
  // definition's endpoints path.
  const issuerPath = definition.issuerPath.replace(/\/$/, '')
  const mountPath = definition.endpoints?.path ?? issuerPath
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    let url = req.url ?? '/'
    // Discovery is at the issuer even when the endpoints are elsewhere.
    if (mountPath !== issuerPath && url.startsWith(`${issuerPath}/.well-known/`)) {
      url = `${mountPath}${url.slice(issuerPath.length)}`
    }
    if (!url.startsWith(`${mountPath}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    // oidc-provider serves below the issuer's path when it is mounted there: it reads the path
    // it is mounted at from originalUrl minus url.
    Object.assign(req, { originalUrl: url, url: url.slice(mountPath.length) })
    callback(req, secureCookies(res))
  }
  const server = createServer(handle)
  await listen(server, Number(new URL(origin).port))
  // Endpoints on another origin: the same provider answers there too.
  let endpointsServer: Server | undefined
  if (definition.endpoints?.port !== undefined) {
    endpointsServer = createServer(handle)
    await listen(endpointsServer, Number(new URL(providerOrigin(definition.endpoints.port)).port))
  }

  return {
    definition,
    issuer,
    async log() {
      const token = await Promise.all(
        tokenLog.map(async ({ record, presented }) => {
          if (presented === undefined) return record
          const found = await provider.RefreshToken.find(presented)
          const honoured = found !== undefined && !found.isExpired && !found.consumed
          return { ...record, presentedStillHonoured: honoured }
        }),
      )
      return { authorize: [...authorizeLog], token }
    },
    async replayRefresh() {
      const last = [...tokenLog]
        .reverse()
        .find((entry) => entry.presented !== undefined && entry.record.status === 200)
      if (last?.presented === undefined) return null
      const { token_endpoint: tokenEndpoint } = (await (
        await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
      ).json()) as { token_endpoint: string }
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: last.presented,
          client_id: definition.clientId,
        }),
      })
      const body = (await response.json().catch(() => ({}))) as { error?: unknown }
      const successor =
        last.issued === undefined ? undefined : await provider.RefreshToken.find(last.issued)
      return {
        status: response.status,
        ...(typeof body.error === 'string' ? { error: body.error } : {}),
        successorHonoured: successor !== undefined && !successor.isExpired && !successor.consumed,
      }
    },
    close: async () => {
      await Promise.all([stop(server), endpointsServer && stop(endpointsServer)])
    },
  }
}

/**
 * Starts the API emulator on 127.0.0.1: `GET /<name>/me` accepts the provider's access tokens,
 * Bearer or DPoP-bound (RFC 9449 section 7), checked the way its documentation says;
 * `GET /<name>/bearer-only/me` is an API that knows only Bearer tokens (RFC 6750). It answers
 * `{ sub, scheme, tokenSha256 }`, so a spec can tell which token it validated. As `reports`,
 * it is the providers' second API instead: `GET /<name>/me` for each `reportsApi`.
 */
export async function startApi(
  port: number,
  providers: readonly RunningProvider[],
  api: 'main' | 'reports' = 'main',
): Promise<{ log(): ApiRecord[]; close(): Promise<void> }> {
  const log: ApiRecord[] = []
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>()
  const seenProofs = new Set<string>()
  const origin = `http://127.0.0.1:${port}`

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', origin)
    const cors: Record<string, string> = {
      'access-control-allow-origin': APP,
      'access-control-expose-headers': 'WWW-Authenticate, DPoP-Nonce',
      vary: 'Origin',
    }
    if (req.method === 'OPTIONS') {
      res
        .writeHead(204, {
          ...cors,
          'access-control-allow-methods': 'GET',
          'access-control-allow-headers': 'Authorization, DPoP',
        })
        .end()
      return
    }
    const [, name, ...rest] = url.pathname.split('/')
    const running = providers.find((p) => p.definition.name === name)
    // What this API checks of the provider's tokens: the main API's, or its second API's.
    const checks = api === 'main' ? running?.definition : running?.definition.reportsApi
    const bearerOnly = api === 'main' && rest.join('/') === 'bearer-only/me'
    if (running === undefined || checks === undefined || (!bearerOnly && rest.join('/') !== 'me')) {
      sendJson(res, 404, { error: 'not_found' }, cors)
      return
    }
    const [scheme, token] = (req.headers.authorization ?? '').split(' ')
    const realm = `realm="${running.definition.name}-api"`
    const answer = (status: number, body: unknown, challenge?: string) => {
      log.push({
        provider: running.definition.name,
        path: url.pathname,
        scheme: scheme || null,
        status,
      })
      sendJson(res, status, body, challenge ? { ...cors, 'www-authenticate': challenge } : cors)
    }
    // RFC 6750 section 3.1: a request without credentials this API understands gets a bare
    // challenge, no error code. To an API that knows only Bearer, `DPoP ...` is such a request.
    if (token === undefined || (scheme !== 'Bearer' && (bearerOnly || scheme !== 'DPoP'))) {
      answer(401, { error: 'unauthorized' }, `Bearer ${realm}`)
      return
    }
    const def = running.definition
    const refuse = (description: string, inScheme = scheme) =>
      answer(
        401,
        { error: 'invalid_token', error_description: description },
        `${inScheme} ${realm}, error="invalid_token", error_description="${description}"`,
      )
    let keys = keySets.get(def.name)
    if (keys === undefined) {
      const metadata = (await (
        await fetch(`${running.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
      ).json()) as { jwks_uri: string }
      keys = createRemoteJWKSet(new URL(metadata.jwks_uri))
      keySets.set(def.name, keys)
    }
    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, keys, {
        issuer:
          def.tokenIssuerPath === undefined
            ? running.issuer
            : `${new URL(running.issuer).origin}${def.tokenIssuerPath}`,
        ...(def.accessTokensWithoutAud ? {} : { audience: checks.audience }),
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      }))
    } catch (error) {
      refuse(error instanceof Error ? error.message : 'invalid token')
      return
    }
    const problem = checks.checkAccessToken?.(payload)
    if (problem !== undefined) {
      refuse(problem)
      return
    }
    const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt
    if (typeof jkt === 'string') {
      // RFC 9449 section 7.2: a bound token sent as Bearer is a stolen one.
      if (scheme !== 'DPoP') return refuse('DPoP-bound token sent as Bearer', 'DPoP')
      const proofProblem = await checkProof(req, `${origin}${url.pathname}`, token, jkt, seenProofs)
      if (proofProblem !== undefined) return refuse(proofProblem, 'DPoP')
    } else if (scheme === 'DPoP') {
      return refuse('the token is not DPoP-bound', 'DPoP')
    }
    answer(200, {
      sub: payload.sub,
      scheme,
      tokenSha256: createHash('sha256').update(token).digest('base64url'),
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('[lab api]', error)
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' }, {})
    })
  })
  await listen(server, port)
  return { log: () => [...log], close: () => stop(server) }
}

/** RFC 9449 section 4.3 and 7.1: what is wrong with the request's proof, if anything. */
async function checkProof(
  req: IncomingMessage,
  htu: string,
  token: string,
  jkt: string,
  seen: Set<string>,
): Promise<string | undefined> {
  const proof = req.headers.dpop
  if (typeof proof !== 'string') return 'a DPoP proof is required'
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      maxTokenAge: 60,
      clockTolerance: 5,
      requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
    })
    if (payload.htm !== req.method || payload.htu !== htu) return 'htm or htu does not match'
    if (payload.ath !== createHash('sha256').update(token).digest('base64url')) {
      return 'ath does not match the access token'
    }
    if (protectedHeader.jwk === undefined) return 'no jwk in the proof'
    if ((await calculateJwkThumbprint(protectedHeader.jwk)) !== jkt) {
      return 'the proof key is not the one the token is bound to'
    }
    const id = `${jkt}:${String(payload.jti)}`
    if (seen.has(id)) return 'the proof was replayed'
    seen.add(id)
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : 'invalid proof'
  }
}

/**
 * Marks SameSite=None cookies `Secure`, as browsers demand. Chromium keeps Secure cookies from
 * http://127.0.0.1 (a potentially trustworthy origin), but oidc-provider's cookie library
 * refuses to set them over a connection it does not see as https, and making it see https
 * would turn every URL it builds into an https one.
 */
function secureCookies(res: ServerResponse): ServerResponse {
  const setHeader = res.setHeader.bind(res)
  res.setHeader = (name, value) => {
    if (name.toLowerCase() !== 'set-cookie') return setHeader(name, value)
    const cookies = (Array.isArray(value) ? value : [String(value)]).map((cookie) =>
      /;\s*samesite=none/i.test(cookie) && !/;\s*secure/i.test(cookie)
        ? `${cookie}; secure`
        : cookie,
    )
    return setHeader(name, cookies)
  }
  return res
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
