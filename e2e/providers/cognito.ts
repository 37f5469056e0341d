// An Amazon Cognito user pool with a domain (managed login, formerly the hosted UI) and a public
// app client, as AWS's developer guide (and, where marked [secondary], reports of what Cognito
// answers) describe it. /tmp/provider-traits.md section 3 has the quotes.
import type { Configuration } from 'oidc-provider'
import type { ProviderDefinition } from './lab.js'
import { APP, providerOrigin } from './urls.js'

/** A user pool id: `{region}_{id}`. */
const POOL_ID = 'us-east-1_LaTcHk3y9'
const CLIENT_ID = '5latchkeylab0cognito0spa0a'
/** A resource server's identifier; its custom scopes are `{identifier}/{scope}`. */
const RESOURCE_SERVER = 'latchkey-api'
const API_SCOPE = `${RESOURCE_SERVER}/items.read`
/** The pool's domain, where the authorize, token, revoke and logout endpoints are. */
const DOMAIN_PORT = 9
const DOMAIN = providerOrigin(DOMAIN_PORT)
const ISSUER = `${providerOrigin(8)}/${POOL_ID}`
/** The app client's Allowed callback URL and Allowed sign-out URL (as the lab registers them). */
const CALLBACK = `${APP}/cognito/callback`
const SIGN_OUT_URL = `${APP}/cognito/`

type Middleware = ReturnType<NonNullable<ProviderDefinition['middleware']>>

/** An HTML page on the Cognito domain. */
function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p id="cognito-error">${text}</p></body></html>`
}

export const cognito: ProviderDefinition = {
  name: 'cognito',
  port: 8,
  // "The iss claim has the following format: https://cognito-idp.{region}.amazonaws.com/{userPoolId}."
  // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
  issuerPath: `/${POOL_ID}`,
  // The endpoints are on the pool's domain, another origin (GET
  // https://mydomain.auth.us-east-1.amazoncognito.com/login?...):
  // https://docs.aws.amazon.com/cognito/latest/developerguide/login-endpoint.html; the discovery
  // document names them there, and jwks_uri at the issuer [secondary]:
  // https://github.com/localstack/localstack/issues/12914
  endpoints: { path: '', port: DOMAIN_PORT },
  routes: {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    revocation: '/oauth2/revoke',
    userinfo: '/oauth2/userInfo',
    // Listed in the discovery document since February 2024 [secondary]:
    // https://github.com/swisstopo/swissgeol-boreholes-suite/pull/1066, localstack#12914 above.
    // It is Cognito's own /logout, handled by the middleware below, not RP-Initiated Logout.
    end_session: '/logout',
    // "https://cognito-idp.{region}.amazonaws.com/{userPoolId}/.well-known/jwks.json"
    // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    jwks: '/.well-known/jwks.json',
  },
  clientId: CLIENT_ID,
  // The guide's scope: no offline_access (refused, see the middleware), a resource server's
  // custom scope `{resourceServerIdentifier}/{scope}`
  // (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html).
  scope: `openid email profile ${API_SCOPE}`,
  // The lab's name for the API only: Cognito's access tokens have no `aud` (below).
  audience: RESOURCE_SERVER,
  apiScope: API_SCOPE,
  // No DPoP in the Cognito docs, nor dpop_signing_alg_values_supported in the discovery sample
  // (localstack#12914 above); off in configure.
  tokenEndpointDpopNonce: false,
  // The discovery sample (localstack#12914) has no authorization_response_iss_parameter_supported.
  issParameter: false,
  // Refresh token rotation is an app client setting, ENABLED | DISABLED: "When disabled, token
  // refresh issues only ID and access tokens." The lab's app client keeps it off, the default
  // (the middleware drops the refresh token from refresh answers).
  // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RefreshTokenRotationType.html,
  // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
  rotateRefreshTokens: false,
  // Not reached: /logout is Cognito's, in the middleware.
  signOutPrompt: 'always',
  // The sample access token: token_use "access", scope, iss, client_id, username, and no aud.
  // https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
  accessTokenClaims: ({ accountId }) => ({ token_use: 'access', username: accountId }),
  accessTokensWithoutAud: true,
  // What an API checks: the issuer (jwtVerify), "Check the token_use claim. If you are only
  // accepting the access token in your web API operations, its value must be access"
  // (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html),
  // and the app client: "Access tokens have a client_id claim that also contains the app client
  // ID" (https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/cognito-validation.html);
  // the custom scope authorizes the API (the access-token page above).
  checkAccessToken: (payload) => {
    if (payload.token_use !== 'access') return 'token_use is not access'
    if (payload.client_id !== CLIENT_ID) return `client_id is not ${CLIENT_ID}`
    if (typeof payload.scope !== 'string' || !payload.scope.split(' ').includes(API_SCOPE)) {
      return `scope lacks ${API_SCOPE}`
    }
    return undefined
  },
  configure(configuration: Configuration) {
    if (configuration.features) configuration.features.dPoP = { enabled: false }
    // oidc-provider refuses to sign a JWT access token without `aud`; one it cannot see in the
    // serialised token satisfies it, and the token goes out without `aud`, as Cognito's do.
    configuration.formats = {
      ...configuration.formats,
      customizers: {
        jwt: (_ctx, _token, jwt) => {
          Object.defineProperty(jwt.payload, 'aud', {
            value: jwt.payload.aud,
            enumerable: false,
            writable: true,
            configurable: true,
          })
        },
      },
    }
  },
  middleware: cognitoEndpoints,
}

/** What Cognito's endpoints do that oidc-provider does not. */
function cognitoEndpoints(
  provider: Parameters<NonNullable<ProviderDefinition['middleware']>>[0],
): Middleware {
  return async (ctx, next) => {
    const query = ctx.query
    if (ctx.method === 'GET' && ctx.path === '/oauth2/authorize') {
      // offline_access is refused, back at the app: "?error_description=invalid_scope&state=...
      // &error=invalid_request" [secondary]: https://github.com/mlops-club/awscdk-minecraft/issues/40,
      // "Cognito does not support offline_access" ... "invalid_request: invalid_scope"
      // https://github.com/aws-samples/anthropic-on-aws/issues/310
      const scopes = typeof query.scope === 'string' ? query.scope.split(' ') : []
      if (
        scopes.includes('offline_access') &&
        query.client_id === CLIENT_ID &&
        query.redirect_uri === CALLBACK
      ) {
        const back = new URL(CALLBACK)
        back.searchParams.set('error_description', 'invalid_scope')
        if (typeof query.state === 'string') back.searchParams.set('state', query.state)
        back.searchParams.set('error', 'invalid_request')
        ctx.redirect(back.href)
        return
      }
      // No `prompt` among the authorize endpoint's parameters
      // (https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html):
      // prompt=none is not answered. With a session the iframe comes back with a code; without
      // one it lands on the login page and nothing comes back [secondary]:
      // https://github.com/authts/oidc-client-ts/issues/366. The lab's log still sees the
      // request as sent.
      if ('prompt' in query) {
        const sent = ctx.querystring
        const { prompt: _, ...rest } = query
        ctx.query = rest
        try {
          await next()
        } finally {
          ctx.querystring = sent
        }
        return
      }
    }
    if (ctx.method === 'GET' && ctx.path === '/logout') {
      // "add logout_uri and client_id parameters. If the value of logout_uri is one of the
      // Allowed sign-out URLs for your app client, Amazon Cognito redirects users to that URL";
      // "client_id ... Required."
      // https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html
      if (query.client_id !== CLIENT_ID) {
        // "Required String parameter 'client_id' is not present" [secondary]:
        // https://github.com/streamlit/streamlit/issues/12144
        ctx.redirect(`/error?${ctx.querystring}`)
        return
      }
      // Sent OpenID's post_logout_redirect_uri and id_token_hint instead, Cognito shows "Required
      // String parameter 'redirect_uri' is not present" at /error, but "The log out is happening
      // though" [secondary]: https://github.com/streamlit/streamlit/issues/14601
      const session = await provider.Session.get(ctx)
      await session.destroy()
      ctx.redirect(query.logout_uri === SIGN_OUT_URL ? SIGN_OUT_URL : `/error?${ctx.querystring}`)
      return
    }
    if (ctx.method === 'GET' && ctx.path === '/error') {
      const missing = query.client_id === undefined ? 'client_id' : 'redirect_uri'
      ctx.status = 400
      ctx.type = 'html'
      ctx.body = page('Error', `Required String parameter '${missing}' is not present`)
      return
    }
    await next()
    // "Refused to display 'https://xxxxxx.amazoncognito.com/' in a frame because it set
    // 'X-Frame-Options' to 'deny'" [secondary]:
    // https://github.com/manfredsteyer/angular-oauth2-oidc/issues/1216,
    // https://github.com/amazon-archives/amazon-cognito-identity-js/issues/645
    if (ctx.response.is('html')) ctx.set('X-Frame-Options', 'DENY')
    const body = ctx.body
    if (typeof body !== 'object' || body === null) return
    const answer = body as Record<string, unknown>
    if (ctx.path === '/.well-known/openid-configuration') {
      // The endpoints on the domain, the keys at the issuer (localstack#12914 above).
      for (const [name, value] of Object.entries(answer)) {
        if (name.endsWith('_endpoint') && typeof value === 'string') {
          answer[name] = `${DOMAIN}${new URL(value).pathname}`
        }
      }
      answer.jwks_uri = `${ISSUER}/.well-known/jwks.json`
    }
    // Rotation off: a refresh answer has no refresh token (rotateRefreshTokens above).
    if (ctx.oidc?.params?.grant_type === 'refresh_token' && ctx.oidc.route === 'token') {
      delete answer.refresh_token
    }
  }
}
