// A Keycloak realm with a public SPA client, as Keycloak's documentation and source describe it.
import type { ProviderDefinition } from './lab.js'

const REALM = 'latchkey'
const CLIENT_ID = 'latchkey-keycloak-spa'

export const keycloak: ProviderDefinition = {
  name: 'keycloak',
  port: 2,
  // The issuer is the realm's URL; discovery at /realms/{realm-name}/.well-known/openid-configuration.
  // https://www.keycloak.org/securing-apps/oidc-layers ("Available Endpoints")
  issuerPath: `/realms/${REALM}`,
  // /realms/{realm-name}/protocol/openid-connect/{auth,token,userinfo,logout,certs,revoke}.
  // https://www.keycloak.org/securing-apps/oidc-layers ("Endpoints")
  routes: {
    authorization: '/protocol/openid-connect/auth',
    token: '/protocol/openid-connect/token',
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
}
