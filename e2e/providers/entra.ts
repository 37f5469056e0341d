// Microsoft Entra ID's v2.0 endpoints, as Microsoft's identity platform documentation describes
// them: `entra` is an app registered in one tenant, `entra-common` a multi-tenant app signing in
// through /common.
import type { JWTPayload } from 'jose'
import { type Configuration, errors } from 'oidc-provider'
import type { ProviderDefinition } from './lab.js'
import { providerOrigin } from './urls.js'

/** The tenant the single-tenant app is registered in (tenant ids are GUIDs). */
const TENANT_ID = '3c5b9a1e-7d24-4f6a-9e81-2b0c4d6f8a13'
/** The home tenant of the users who sign in through /common in the lab. */
export const ENTRA_COMMON_HOME_TENANT = 'b7e2d9c0-1a3f-4b5c-9d6e-7f8091a2b3c4'
/** The SPA's Application (client) ID. */
const CLIENT_ID = 'e1b4f6a2-58c3-4d7e-a9f0-1b2c3d4e5f60'
/** The API's Application (client) ID: its access tokens' `aud`. */
const API_APP_ID = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a'
/** The scope the API exposes (Expose an API), as the app requests it. */
const API_SCOPE = `api://${API_APP_ID}/access_as_user`
/** A second API's Application (client) ID, for the `apis` journey: its access tokens' `aud`. */
export const REPORTS_APP_ID = '4f3e2d1c-0b9a-4887-9766-5a4b3c2d1e0f'
/** The permission the second API exposes, as the app requests it. */
export const REPORTS_SCOPE = `api://${REPORTS_APP_ID}/Reports.Read`

/**
 * The APIs the app registration may call: "Any web-hosted resource that integrates with the
 * Microsoft identity platform has a resource identifier, or application ID URI", and a scope
 * names its API: the application ID URI (`api://{app id}`, the default one) followed by the
 * permission.
 * https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc
 */
const ENTRA_APIS = [
  { uri: `api://${API_APP_ID}`, audience: API_APP_ID, scope: API_SCOPE },
  { uri: `api://${REPORTS_APP_ID}`, audience: REPORTS_APP_ID, scope: REPORTS_SCOPE },
]

/** The application ID URIs of the APIs a `scope` parameter names, in its order. */
function apisNamedIn(scope: unknown): string[] {
  if (typeof scope !== 'string') return []
  const named = scope
    .split(' ')
    .map((one) => ENTRA_APIS.find(({ uri }) => one.startsWith(`${uri}/`))?.uri)
    .filter((uri) => uri !== undefined)
  return [...new Set(named)]
}

/**
 * The optional `login_hint` claim: "An opaque, reliable login hint claim that's base 64 encoded.
 * Don't modify this value."
 * https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference
 */
function loginHint(tenant: string, accountId: string): string {
  return Buffer.from(JSON.stringify({ tid: tenant, account: accountId })).toString('base64')
}

/** An Entra ID API's checks (see `checkAccessToken` below): `tid`, and its permission in `scp`. */
function checkScp(payload: JWTPayload, tenant: string, permission: string): string | undefined {
  if (payload.tid !== tenant) return `tid is not ${tenant}`
  if (typeof payload.scp !== 'string' || !payload.scp.split(' ').includes(permission)) {
    return `scp lacks ${permission}`
  }
  return undefined
}

function entraDefinition(options: {
  name: string
  port: number
  /** The `{tenant}` path segment the app uses: a tenant id, or `common`. */
  tenant: string
  /** The tenant the users are from. */
  home: string
}): ProviderDefinition {
  const { tenant, home } = options
  return {
    name: options.name,
    port: options.port,
    // Authority URL `https://login.microsoftonline.com/{tenant}/v2.0`, its metadata at
    // `/.well-known/openid-configuration` below it; the sample metadata names
    // `/{tenant}/oauth2/v2.0/authorize`, `/{tenant}/oauth2/v2.0/token` and
    // `/{tenant}/discovery/v2.0/keys`, and logout goes to the `end_session_endpoint`
    // (`/{tenant}/oauth2/v2.0/logout`).
    // https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc
    issuerPath: `/${tenant}/v2.0`,
    endpoints: { path: `/${tenant}` },
    routes: {
      authorization: '/oauth2/v2.0/authorize',
      token: '/oauth2/v2.0/token',
      end_session: '/oauth2/v2.0/logout',
      jwks: '/discovery/v2.0/keys',
      // Not emulated: the metadata's userinfo_endpoint is Microsoft Graph's
      // (https://graph.microsoft.com/oidc/userinfo, same page), another host; Latchkey never
      // calls it.
    },
    // "/common/v2.0/... and /organizations/v2.0/... These endpoints return an issuer value, which
    // is a template parametrized by the tenantid"; the tokens name the user's tenant: "the `iss`
    // claim is of the form https://login.microsoftonline.com/{tid}/v2.0".
    // https://learn.microsoft.com/en-us/entra/identity-platform/access-tokens (Validate the issuer)
    ...(tenant === home ? {} : { tokenIssuerPath: `/${home}/v2.0` }),
    clientId: CLIENT_ID,
    // The guide's configuration: OpenID scopes, offline_access for a refresh token ("Only
    // provided if offline_access scope was requested") and one API's scope ("The scopes must all
    // be from a single resource, along with OIDC scopes").
    // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
    scope: `openid profile offline_access ${API_SCOPE}`,
    // "aud ... In v2.0 tokens, this value is always the client ID of the API."
    // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
    audience: API_APP_ID,
    apiScope: API_SCOPE,
    // No DPoP: "token_type ... The only type that Microsoft Entra ID supports is Bearer."
    // (https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow);
    // dPoP is switched off in configure below.
    tokenEndpointDpopNonce: false,
    // The sample metadata has no authorization_response_iss_parameter_supported, and the
    // documented authorization response carries `code` and `state` only (v2-protocols-oidc,
    // v2-oauth2-auth-code-flow).
    issParameter: false,
    // "Refresh tokens aren't revoked when used to acquire new access tokens. You're expected to
    // discard the old refresh token." (v2-oauth2-auth-code-flow). Entra returns a new one each
    // time; oidc-provider without rotation returns the presented one. Either way the presented
    // one stays valid, which is what a journey can see.
    rotateRefreshTokens: false,
    // logout_hint "Enables sign-out to occur without prompting the user to select an account";
    // without it Entra shows its account picker (emulated: the lab's sign-out page, which waits
    // for a click).
    // https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc (Send a
    // sign-out request)
    signOutPrompt: 'without-logout-hint',
    // prompt=none is oidc-provider's own: a code when the session cookie comes along ("This
    // action can be done silently in an iframe when third-party cookies are enabled",
    // v2-oauth2-auth-code-flow), an error redirect otherwise ("If the request can't be completed
    // silently via single sign-on, the Microsoft identity platform returns an error. Causes
    // include no signed-in user", v2-protocols-oidc; oidc-provider answers login_required, one of
    // Entra's documented codes for it).
    // v2.0 access token claims: ver "2.0", tid (the tenant), azp (the client's application ID),
    // oid, and scp, "a space separated list of scopes" exposed by the API (bare names: the API
    // checks `access_as_user`).
    // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference,
    // https://learn.microsoft.com/en-us/entra/identity-platform/scenario-protected-web-api-verification-scope-app-roles
    accessTokenClaims: ({ accountId, clientId, scopes }) => ({
      ver: '2.0',
      tid: home,
      azp: clientId,
      oid: accountId,
      scp: scopes.map((scope) => scope.replace(/^api:\/\/[^/]+\//, '')).join(' '),
    }),
    // The API checks its scope in `scp`, and `tid` against the tenant its data belongs to (the
    // claims to validate: audience, tenant ID, subject, actor).
    // https://learn.microsoft.com/en-us/entra/identity-platform/claims-validation,
    // https://learn.microsoft.com/en-us/entra/identity-platform/scenario-protected-web-api-verification-scope-app-roles
    checkAccessToken: (payload) => checkScp(payload, home, 'access_as_user'),
    // The second API checks the same claims, with its own audience and permission.
    reportsApi: {
      audience: REPORTS_APP_ID,
      checkAccessToken: (payload) => checkScp(payload, home, 'Reports.Read'),
    },
    configure(configuration: Configuration) {
      const features = configuration.features ?? {}
      // Bearer only (above).
      features.dPoP = { enabled: false }
      // The v2.0 metadata "lacks the revocation_endpoint item" [secondary]:
      // https://github.com/DuendeArchive/Support/issues/988
      features.revocation = { enabled: false }
      // Entra ID takes no `resource` (the error codes reference lists "AADSTS901002: The
      // 'resource' request parameter is not supported"): the API is named in the scope. The
      // authorization request may ask for several APIs' permissions, so the user consents to
      // all of them at once, and "This call gets you an access token for the first web API"
      // (scenario-desktop-production). A token request gets a token for one API: "If the
      // scopes specified in this request span multiple resource server, then the Microsoft
      // identity platform returns a token for the resource specified in the first scope", and
      // without `scope` "the token is for the scopes requested on the initial leg of the flow"
      // (the first API there). "Refresh tokens are valid for all permissions that your client
      // has already received consent for": a refresh with another API's scope gets a token for
      // that API. The lab does not emulate how a `resource` is refused (not documented).
      // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow,
      // https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes,
      // https://learn.microsoft.com/en-us/entra/identity-platform/scenario-desktop-production
      // (oidc-provider knows an API by a resource indicator: its application ID URI here.)
      features.resourceIndicators = {
        enabled: true,
        defaultResource: (ctx, _client, oneOf) => {
          const named = apisNamedIn(ctx.oidc.params?.scope)
          if (oneOf !== undefined) return named.find((uri) => oneOf.includes(uri)) ?? oneOf[0]
          return ctx.oidc.route === 'token' ? named[0] : named
        },
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          const api = ENTRA_APIS.find(({ uri }) => uri === indicator)
          if (api === undefined) throw new errors.InvalidTarget()
          return {
            scope: api.scope,
            audience: api.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
          }
        },
      }
      configuration.features = features
      // The app registration's API permissions include the second API's.
      configuration.scopes = [...(configuration.scopes ?? []), REPORTS_SCOPE]
      for (const client of configuration.clients ?? []) {
        client.scope = `${client.scope} ${REPORTS_SCOPE}`
      }
      // "Refresh tokens issued through the authorization code flow to spa redirect URIs have a
      // 24-hour lifetime".
      // https://learn.microsoft.com/en-us/entra/identity-platform/reference-third-party-cookies-spas
      configuration.ttl = { ...configuration.ttl, RefreshToken: 86_400 }
      // ID tokens carry `tid`, "the tenant that the user is signing in to"
      // (https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference),
      // and the `login_hint` optional claim, which the app registration turns on as the guide
      // says (optional-claims-reference above).
      configuration.claims = { ...configuration.claims, openid: ['sub', 'tid', 'login_hint'] }
      configuration.findAccount = (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({ sub, name: sub, tid: home, login_hint: loginHint(home, sub) }),
      })
    },
    middleware: () => async (ctx, next) => {
      await next()
      // "Microsoft Entra ID will refuse to render any prompt requiring user interaction (e.g.
      // credential entry, consent, logout etc.) in an iframe by throwing the X-FRAME OPTIONS SET
      // TO DENY error"
      // https://learn.microsoft.com/en-us/entra/msal/javascript/browser/iframe-usage
      if (ctx.response.is('html')) ctx.set('X-Frame-Options', 'DENY')
      // The /common metadata's issuer is the template (access-tokens page above).
      const body = ctx.body as Record<string, unknown> | undefined
      if (tenant !== home && ctx.oidc?.route === 'discovery' && typeof body === 'object') {
        ctx.body = { ...body, issuer: `${providerOrigin(options.port)}/{tenantid}/v2.0` }
      }
    },
  }
}

export const entra = entraDefinition({ name: 'entra', port: 6, tenant: TENANT_ID, home: TENANT_ID })

export const entraCommon = entraDefinition({
  name: 'entra-common',
  port: 7,
  tenant: 'common',
  home: ENTRA_COMMON_HOME_TENANT,
})
