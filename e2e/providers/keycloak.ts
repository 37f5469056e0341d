// A Keycloak realm with a public SPA client, as Keycloak's documentation and source describe it.
import { parse, stringify } from 'node:querystring'
import { text } from 'node:stream/consumers'
import type { ProviderDefinition } from './lab.js'

const REALM = 'latchkey'
const CLIENT_ID = 'latchkey-keycloak-spa'
const AUTHORIZATION = '/protocol/openid-connect/auth'
const TOKEN = '/protocol/openid-connect/token'

export const keycloak: ProviderDefinition = {
  name: 'keycloak',
  port: 2,
  // The issuer is the realm's URL; discovery at /realms/{realm-name}/.well-known/openid-configuration.
  // https://www.keycloak.org/securing-apps/oidc-layers ("Available Endpoints")
  issuerPath: `/realms/${REALM}`,
  // /realms/{realm-name}/protocol/openid-connect/{auth,token,userinfo,logout,certs,revoke}.
  // https://www.keycloak.org/securing-apps/oidc-layers ("Endpoints")
  routes: {
    authorization: AUTHORIZATION,
    token: TOKEN,
    userinfo: '/protocol/openid-connect/userinfo',
    end_session: '/protocol/openid-connect/logout',
    jwks: '/protocol/openid-connect/certs',
    revocation: '/protocol/openid-connect/revoke',
  },
  clientId: CLIENT_ID,
  // No offline_access, as the guide says: Keycloak answers it with an offline token that outlives
  // the SSO session and logout; a public client gets an ordinary refresh token without it.
  // https://www.keycloak.org/docs/latest/server_admin/#_offline-access
  scope: 'openid profile email latchkey-api',
  // Keycloak adds an API to `aud` only through an Audience protocol mapper (here on the
  // `latchkey-api` client scope, which the SPA requests); the API checks `aud`.
  // https://www.keycloak.org/docs/latest/server_admin/#audience-support,
  // https://www.keycloak.org/docs-api/26.2.0/javadocs/org/keycloak/protocol/oidc/mappers/AudienceProtocolMapper.html
  audience: 'latchkey-api',
  apiScope: 'latchkey-api',
  // DPoP is supported (officially since 26.4). With "Require DPoP bound tokens" off a client may
  // send a proof and Keycloak binds the tokens (for a public client, the refresh token too);
  // without one it issues Bearer tokens. The guide's nonce is a resource server's challenge:
  // the token endpoint asks for none. https://www.keycloak.org/securing-apps/dpop ("Configuring
  // Keycloak", "The Nonce Mechanism"; source: keycloak/keycloak docs/guides/securing-apps/dpop.adoc),
  // https://www.keycloak.org/2025/10/dpop-support-26-4
  tokenEndpointDpopNonce: false,
  // The metadata always says authorization_response_iss_parameter_supported: true (RFC 9207),
  // and lists dpop_signing_alg_values_supported when the DPoP feature is on.
  // https://github.com/keycloak/keycloak/blob/main/services/src/main/java/org/keycloak/protocol/oidc/OIDCWellKnownProvider.java
  issParameter: true,
  // The realm's "Revoke Refresh Token" (Realm settings > Tokens; off by default, on in this
  // realm, with "Refresh Token Max Reuse" 0): a refresh token is single-use.
  // https://docs.redhat.com/en/documentation/red_hat_build_of_keycloak/26.4/html/server_administration_guide/managing-user-sessions
  rotateRefreshTokens: true,
  // Since Keycloak 18 the logout endpoint follows RP-Initiated Logout: with a valid id_token_hint
  // it signs out and redirects; without one it shows a logout confirmation first.
  // https://www.keycloak.org/docs/latest/upgrading/index.html#openid-connect-logout,
  // https://github.com/keycloak/keycloak-documentation/blob/main/upgrading/topics/keycloak/changes-19_0_2.adoc
  signOutPrompt: 'without-id-token-hint',
  // The client the token was issued to is `azp`; `aud` holds only what mappers add.
  // https://www.keycloak.org/docs/latest/server_admin/#audience-support
  accessTokenClaims: ({ accountId, clientId }) => ({
    azp: clientId,
    preferred_username: accountId,
  }),
  middleware: () => ignoreResource,
}

/**
 * Keycloak as it ships, without the experimental `resource-indicators` feature: "If the feature
 * is disabled, Keycloak does not recognize the `resource` parameter. In this case, you can use
 * OAuth 2.0's `scope` parameter instead of the `resource` parameter."
 * https://www.keycloak.org/securing-apps/mcp-authz-server ("Token Audience Binding and
 * Validation"; source: keycloak/keycloak docs/guides/securing-apps/mcp-authz-server.adoc). RFC
 * 8707 is still the open https://github.com/keycloak/keycloak/issues/14355. So the authorization
 * and token endpoints answer as if no `resource` had been sent: `aud` is what the client scopes'
 * Audience mappers put there (the lab's default resource stands in for them), and an unknown
 * resource is never refused with `invalid_target`, as oidc-provider would.
 */
const ignoreResource: ReturnType<NonNullable<ProviderDefinition['middleware']>> = async (
  ctx,
  next,
) => {
  const endpoint = ctx.path === AUTHORIZATION || ctx.path === TOKEN
  if (endpoint && ctx.method === 'GET' && ctx.query.resource !== undefined) {
    const { resource: _, ...query } = ctx.query
    // oidc-provider finds the path it is mounted at (the realm's) as the request's URL minus
    // this one (see the lab's handle): the new URL goes in both.
    const { originalUrl = '' } = ctx.req as { originalUrl?: string }
    const mountPath = originalUrl.slice(0, originalUrl.indexOf(ctx.url))
    ctx.querystring = stringify(query)
    Object.assign(ctx.req, { originalUrl: `${mountPath}${ctx.url}` })
  }
  if (endpoint && ctx.method === 'POST') {
    const { resource: _, ...body } = parse(await text(ctx.req))
    // Read here, so oidc-provider takes it parsed.
    Object.assign(ctx.request, { body })
  }
  await next()
}
