// Okta's default custom authorization server, as Okta's developer documentation describes it.
import type { ProviderDefinition } from './lab.js'

const CLIENT_ID = 'latchkey-okta-spa'
/** A custom scope of the authorization server, granted to the SPA for the API. */
const API_SCOPE = 'latchkey.api'

export const okta: ProviderDefinition = {
  name: 'okta',
  port: 1,
  // Every org has a custom authorization server named `default`; its issuer is
  // https://${yourOktaDomain}/oauth2/default.
  // https://developer.okta.com/docs/reference/api/authorization-servers/ ("Work with the Default
  // Authorization Server"), https://developer.okta.com/docs/concepts/auth-servers
  issuerPath: '/oauth2/default',
  // A custom authorization server's endpoints are /oauth2/{authorizationServerId}/v1/...
  // (/v1/authorize, /v1/token, /v1/keys, /v1/logout, /v1/revoke, /v1/userinfo).
  // https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/CustomAS
  // https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/customas/logoutcustomas
  routes: {
    authorization: '/v1/authorize',
    token: '/v1/token',
    jwks: '/v1/keys',
    end_session: '/v1/logout',
    revocation: '/v1/revoke',
    userinfo: '/v1/userinfo',
  },
  clientId: CLIENT_ID,
  scope: `openid profile email offline_access ${API_SCOPE}`,
  // The default authorization server's access tokens say "aud": "api://default" (the decoded
  // token in Okta's DPoP guide, "Build the request"), the value verifyAccessToken() expects.
  // https://developer.okta.com/docs/guides/dpop/main/,
  // https://github.com/okta/okta-jwt-verifier-js/blob/master/UPGRADING.md
  audience: 'api://default',
  apiScope: API_SCOPE,
  // "Two requests to the /token endpoint are necessary": the first, with a DPoP proof, is
  // answered with an "Authorization server requires nonce in DPoP proof" error (use_dpop_nonce)
  // and a `dpop-nonce` header; the second carries a proof with that nonce. The nonce is renewed
  // every 24 hours, so later refreshes reuse it. Okta's DPoP guide, "OAuth 2.0 DPoP JWT flow" and
  // "Build the request": https://developer.okta.com/docs/guides/dpop/main/ (source:
  // github.com/okta/okta-developer-docs, packages/@okta/vuepress-site/docs/guides/dpop/main/index.md)
  tokenEndpointDpopNonce: true,
  // Not a documented trait: the Okta pages read for the lab (the OIDC & OAuth 2.0 API reference,
  // the DPoP guide) do not say whether the authorization response carries RFC 9207's `iss`, so
  // the lab keeps oidc-provider's behaviour (sent and advertised). Change it when a page says.
  issParameter: true,
  // Refresh token rotation is the default for SPAs: each refresh returns a new refresh token and
  // the one presented is invalidated (after the grace period; the lab has none, the strictest).
  // https://developer.okta.com/docs/guides/refresh-tokens/refresh-token-rotation/
  rotateRefreshTokens: true,
  // /v1/logout takes an ID token and signs the user out of Okta if its subject matches the
  // current session, then redirects to post_logout_redirect_uri: no question asked.
  // https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/customas/logoutcustomas
  signOutPrompt: 'without-id-token-hint',
  // An Okta access token's payload (the decoded token in the DPoP guide, "Build the request"):
  // ver, jti, iss, aud, iat, exp, cnf.jkt, cid (the client id), uid (the user's id), scp (the
  // granted scopes, an array), auth_time, sub. https://developer.okta.com/docs/guides/dpop/main/
  accessTokenClaims: ({ accountId, clientId, scopes }) => ({
    ver: 1,
    cid: clientId,
    uid: accountId,
    scp: scopes,
  }),
  // Access tokens are not bound to a client unless the API asserts that `cid` is its client's
  // id ("Custom Claims Assertions"), which an API serving one SPA does; it checks the scope in
  // `scp`, the claim Okta puts scopes in.
  // https://github.com/okta/okta-jwt-verifier-js/blob/master/UPGRADING.md,
  // https://www.npmjs.com/package/@okta/jwt-verifier
  checkAccessToken: (payload) => {
    if (payload.cid !== CLIENT_ID) return `cid is not ${CLIENT_ID}`
    const scp = payload.scp
    if (!Array.isArray(scp) || !scp.includes(API_SCOPE)) return `scp lacks ${API_SCOPE}`
    return undefined
  },
}
