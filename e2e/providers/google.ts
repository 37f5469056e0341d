// Google's OpenID provider (https://accounts.google.com) with an OAuth client of type "Web
// application", as Google's documentation and the reports of SPA developers describe them.
import { parse } from 'node:querystring'
import type { Configuration } from 'oidc-provider'
import type { ProviderDefinition } from './lab.js'
import { APP } from './urls.js'

const CLIENT_ID = '123456789012-latchkey.apps.googleusercontent.com'

type Middleware = ReturnType<NonNullable<ProviderDefinition['middleware']>>

export const google: ProviderDefinition = {
  name: 'google',
  port: 5,
  // "The modern value is https://accounts.google.com": the bare origin.
  // https://developers.google.com/identity/openid-connect/reference
  issuerPath: '',
  // The discovery document's endpoints, folded onto the one emulated origin (Google serves them
  // from accounts.google.com, oauth2.googleapis.com, openidconnect.googleapis.com and
  // www.googleapis.com): /o/oauth2/v2/auth, /token, /v1/userinfo, /revoke, /oauth2/v3/certs.
  // [secondary] https://github.com/iamgbsmith/til/blob/master/security/get-openid-connect-provider-configuration.md
  // (a copy of https://accounts.google.com/.well-known/openid-configuration)
  routes: {
    authorization: '/o/oauth2/v2/auth',
    token: '/token',
    userinfo: '/v1/userinfo',
    revocation: '/revoke',
    jwks: '/oauth2/v3/certs',
  },
  clientId: CLIENT_ID,
  // "scopes_supported": ["openid", "email", "profile"] (same document); no offline_access.
  scope: 'openid email profile',
  // Google's access tokens are for Google's APIs, and the journeys never get one (the code
  // exchange fails): no resource indicators (see configure), these two are unused.
  audience: CLIENT_ID,
  apiScope: 'email',
  // Not reached: the metadata has "no DPoP field" (see configure).
  tokenEndpointDpopNonce: false,
  // The metadata has authorization_response_iss_parameter_supported ("A boolean value indicating
  // support for RFC 9207"). https://developers.google.com/identity/openid-connect/reference
  issParameter: true,
  // Not reached: the code exchange fails before any refresh token.
  rotateRefreshTokens: false,
  // Not reached: there is no end-session endpoint (see configure).
  signOutPrompt: 'always',
  configure(configuration: Configuration) {
    const { features } = configuration
    if (features === undefined) return
    // The discovery document lists no end_session_endpoint and no
    // dpop_signing_alg_values_supported. https://developers.google.com/identity/openid-connect/reference
    features.rpInitiatedLogout = { enabled: false }
    features.dPoP = { enabled: false }
    features.resourceIndicators = { enabled: false }
  },
  middleware: () => googleQuirks,
}

/**
 * - An invalid `scope` ends on Google's own error page, not in a redirect to the app: "If you set
 *   the invalid values to OAuth parameters, such as the invalid client ID, scope identifiers, or
 *   response type values, you'll see the OAuth error page."
 *   (https://developers.google.com/identity/oauth2/web/guides/error). For `offline_access` the
 *   page reads "Some requested scopes were invalid. {valid=[openid,
 *   https://www.googleapis.com/auth/userinfo.email,
 *   https://www.googleapis.com/auth/userinfo.profile], invalid=[offline_access]}" ([secondary]
 *   https://github.com/lukaszraczylo/traefikoidc/issues/44), under "Error 400: invalid_scope"
 *   ([secondary] https://github.com/markbates/goth/issues/445).
 * - The token endpoint of a "Web application" client, a confidential client ("designed for
 *   applications that can store confidential information",
 *   https://developers.google.com/identity/protocols/oauth2/web-server), refuses a code exchange
 *   without the secret, PKCE or not: `400 {"error": "invalid_request", "error_description":
 *   "client_secret is missing."}`, readable by the SPA (cross-origin). [secondary]
 *   https://github.com/googleapis/google-api-dotnet-client/issues/1827,
 *   https://github.com/manfredsteyer/angular-oauth2-oidc/issues/812,
 *   https://github.com/openid/AppAuth-JS/issues/91
 */
const googleQuirks: Middleware = async (ctx, next) => {
  if (ctx.path === '/o/oauth2/v2/auth' && ctx.method === 'GET') {
    const requested = String(ctx.query.scope ?? '')
      .split(' ')
      .filter(Boolean)
    if (requested.includes('offline_access')) {
      const valid = requested.filter((scope) => scope !== 'offline_access').map(googleScope)
      ctx.status = 400
      ctx.type = 'html'
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error 400: invalid_scope</title></head><body><h1>Error 400: invalid_scope</h1><p>Some requested scopes were invalid. {valid=[${valid.join(', ')}], invalid=[offline_access]}</p></body></html>`
      return
    }
  }
  if (ctx.path === '/token' && ctx.method === 'POST') {
    const body = parse(await readBody(ctx.req))
    if (body.client_secret === undefined) {
      ctx.status = 400
      ctx.set({ 'access-control-allow-origin': APP, 'cache-control': 'no-store' })
      ctx.body = { error: 'invalid_request', error_description: 'client_secret is missing.' }
      return
    }
    // Read here, so oidc-provider takes it parsed.
    Object.assign(ctx.request, { body })
  }
  await next()
}

/** How Google's error page names the OpenID scopes (the page quoted above). */
function googleScope(scope: string): string {
  if (scope === 'email' || scope === 'profile') {
    return `https://www.googleapis.com/auth/userinfo.${scope}`
  }
  return scope
}

async function readBody(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}
