// Auth0 tenants as Auth0's documentation describes them, each with a Single Page Application and
// an API: one created on or after 14 November 2023 (`auth0`) and an older one (`auth0-legacy`),
// whose discovery document names no end-session endpoint and whose logout is /v2/logout.
import type { Configuration, Provider } from 'oidc-provider'
import type { ProviderDefinition } from './lab.js'

const CLIENT_ID = 'latchkey-auth0-spa'
/** The API's identifier in Dashboard > Applications > APIs: the `audience` apps send. */
const AUDIENCE = 'https://api.example.com'
/** A permission of that API, requested as a scope. */
const API_SCOPE = 'read:items'

type Middleware = ReturnType<NonNullable<ProviderDefinition['middleware']>>

/** What both tenants share; `legacy` changes logout only. */
function tenant(name: string, port: number, legacy: boolean): ProviderDefinition {
  return {
    name,
    port,
    // The issuer is the tenant's origin with a trailing slash: "issuer": "https://acme.eu.auth0.com/".
    // https://support.auth0.com/center/s/article/how-to-enable-the-oidc-logout-url-in-discovery-endpoint
    issuerPath: '/',
    // GET /authorize: https://auth0.com/docs/api/authentication/authorization-code-flow-with-pkce/authorize-with-pkce
    // POST /oauth/token: https://auth0.com/docs/flows/guides/auth-code-pkce/call-api-auth-code-pkce
    // GET /userinfo: https://auth0.com/docs/api/authentication/user-profile/get-user-info
    // /.well-known/jwks.json: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets
    // /oauth/revoke: https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens
    // GET /oidc/logout: https://auth0.com/docs/api/authentication/logout/oidc-logout
    routes: {
      authorization: '/authorize',
      token: '/oauth/token',
      userinfo: '/userinfo',
      jwks: '/.well-known/jwks.json',
      revocation: '/oauth/revoke',
      end_session: '/oidc/logout',
    },
    clientId: CLIENT_ID,
    // "Include 'offline_access' to get a Refresh Token."
    // https://auth0.com/docs/api/authentication/authorization-code-flow-with-pkce/authorize-with-pkce
    scope: `openid profile offline_access ${API_SCOPE}`,
    audience: AUDIENCE,
    apiScope: API_SCOPE,
    // Not reached: DPoP is off (see configure).
    tokenEndpointDpopNonce: false,
    // Not emulated either way: what we read of Auth0's discovery document does not show
    // authorization_response_iss_parameter_supported, so oidc-provider's RFC 9207 stays in place.
    issParameter: true,
    // "every time an application exchanges a refresh token to get a new access token, a new
    // refresh token is also returned"; a reused one "immediately invalidates the refresh token
    // family" (oidc-provider revokes the grant when a consumed refresh token comes back). The
    // lab has no Rotation Overlap Period, the strictest setting.
    // https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation,
    // https://auth0.com/docs/secure/tokens/refresh-tokens/configure-refresh-token-rotation
    rotateRefreshTokens: true,
    // /oidc/logout shows a logout consent prompt when "Neither the id_token_hint nor logout_hint
    // parameters are provided" (or they do not match the session); a valid hint ends the session
    // and redirects to post_logout_redirect_uri, an Allowed Logout URL.
    // https://auth0.com/docs/authenticate/login/logout/log-users-out-of-auth0
    signOutPrompt: 'without-id-token-hint',
    // The Auth0 token profile (the default): `azp` is the client, `scope` holds the permissions.
    // https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
    checkAccessToken: (payload) => {
      if (payload.azp !== CLIENT_ID) return `azp is not ${CLIENT_ID}`
      const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
      return scope.includes(API_SCOPE) ? undefined : `scope lacks ${API_SCOPE}`
    },
    configure(configuration) {
      withoutDpop(configuration)
      audienceSelectsTheApi(configuration)
      // Revoking refresh tokens (at logout, or a whole family when one is reused) leaves the
      // user's grant: "when a token is revoked, this does not necessarily mean that the grant is
      // revoked", and the "Refresh Token Revocation Deletes Grant" toggle is off by default for
      // tenants created from 13 January 2021. So the Auth0 session still answers prompt=none
      // afterwards, without a new consent.
      // https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens
      configuration.revokeGrantPolicy = () => false
    },
    ...(legacy ? { middleware: legacyLogout } : {}),
  }
}

/**
 * A tenant without DPoP. Auth0's DPoP was Early Access ("To request access to this feature,
 * contact your Auth0 representative") and became generally available in 2026 ([secondary]
 * https://github.com/auth0/docs-v2/pull/1227); what a tenant's metadata says, whether the refresh
 * token is bound and which `token_type` comes back for an API whose sender-constraining policy is
 * "None" are not documented in what we read, so the lab emulates the tenant the guide's
 * configuration is for: Bearer tokens.
 * https://auth0.com/docs/secure/sender-constraining/demonstrating-proof-of-possession-dpop,
 * https://auth0.com/docs/secure/sender-constraining/configure-sender-constraining
 */
function withoutDpop(configuration: Configuration): void {
  if (configuration.features) configuration.features.dPoP = { enabled: false }
}

/**
 * `audience` picks the API: "If the token audience is just the OIDC /userinfo endpoint, then
 * Auth0 will issue an opaque Access Token"; "Set the audience to the unique identifier of a custom
 * API to make the Access Token a JWT", whose `aud` is "an array containing both the API identifier
 * and the /userinfo endpoint" when `openid` is asked for. The tenant has no Default Audience.
 * https://auth0.com/docs/tokens/access-token-formats,
 * https://auth0.com/docs/tokens/set-access-token-format,
 * https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles (the sample token:
 * iss, sub, aud, azp, exp, iat, scope; no client_id, no jti)
 */
function audienceSelectsTheApi(configuration: Configuration): void {
  configuration.extraParams = ['audience']
  const indicators = configuration.features?.resourceIndicators
  const labResource = indicators?.defaultResource
  if (indicators === undefined || labResource === undefined) return
  // At /authorize the API is granted only when its audience is asked for; the code exchange and
  // refreshes then use what was granted.
  indicators.defaultResource = (ctx, client, oneOf) =>
    ctx.oidc.params?.audience === AUDIENCE ? labResource(ctx, client, oneOf) : undefined
  configuration.formats = {
    ...configuration.formats,
    customizers: {
      ...configuration.formats?.customizers,
      // The token profile's claim names. (Its `scope` holds the API's permissions alone, here
      // `read:items`, where Auth0's sample also lists the OpenID scopes.)
      jwt(ctx, _token, { payload }) {
        payload.azp = payload.client_id
        payload.aud = [AUDIENCE, `${ctx.oidc.provider.issuer}userinfo`]
        delete payload.client_id
        delete payload.jti
      },
    },
  }
}

/**
 * An older tenant's logout:
 * - its discovery document has no `end_session_endpoint`: "For Auth0 tenants created on or after
 *   14 November 2023, RP-Initiated Logout End Session Endpoint Discovery is enabled by default"
 *   (https://auth0.com/docs/authenticate/login/logout/log-users-out-of-auth0; [secondary]
 *   https://github.com/auth0/auth0-auth-js/issues/27 "Auth0 does not provide this"). /oidc/logout
 *   itself still works: it "is currently available for all Auth0 tenants"
 *   (https://support.auth0.com/center/s/article/how-to-enable-the-oidc-logout-url-in-discovery-endpoint);
 * - `GET /v2/logout?client_id&returnTo` ends the session and redirects to `returnTo`, which, with
 *   `client_id`, "must be listed in the Allowed Logout URLs set at the application level";
 *   without `returnTo` the user goes "to the first Allowed Logout URLs"; "400 Bad request, likely
 *   missing a required parameter". https://auth0.com/docs/api/authentication/logout/auth-0-logout
 */
function legacyLogout(provider: Provider): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/v2/logout' || ctx.method !== 'GET') {
      await next()
      if (ctx.path === '/.well-known/openid-configuration' && isRecord(ctx.body)) {
        const { end_session_endpoint: _, ...metadata } = ctx.body
        ctx.body = metadata
      }
      return
    }
    const clientId = ctx.query.client_id
    const returnTo = ctx.query.returnTo
    // The application's Allowed Logout URLs; the lab's tenant-level list is empty.
    const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined
    const allowed: readonly string[] = client?.postLogoutRedirectUris ?? []
    const target = typeof returnTo === 'string' ? returnTo : allowed[0]
    if (target === undefined || !allowed.includes(target)) {
      // The page Auth0 shows for a returnTo that is not allowed ([secondary]
      // https://github.com/openanalytics/shinyproxy/issues/423,
      // https://github.com/auth0/auth0-react/issues/127). Whether the session ends first is not
      // documented: here it does not.
      ctx.status = 400
      ctx.type = 'html'
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><p>invalid_request: The "returnTo" querystring parameter "${escapeHtml(String(target ?? ''))}" is not defined as a valid URL in "Allowed Logout URLs".</p></body></html>`
      return
    }
    const session = await provider.Session.get(
      ctx as unknown as Parameters<Provider['Session']['get']>[0],
    )
    await session.destroy()
    ctx.redirect(target)
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

export const auth0 = tenant('auth0', 3, false)
export const auth0Legacy = tenant('auth0-legacy', 4, true)
