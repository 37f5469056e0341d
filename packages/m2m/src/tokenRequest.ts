// One client-credentials grant (RFC 6749 section 4.4) through oauth4webapi, with retries.
import {
  AuthError,
  createDiscovery,
  requestOptions,
  toAuthErrorWithBody,
} from '@latchkey/core/internal'
import * as oauth from 'oauth4webapi'
import type { ResolvedConfig } from './config.js'
import { DEFAULT_BACKOFF, type RetryPolicy, withRetry } from './retry.js'
import type { IssuedToken, TokenParams } from './tokenCache.js'

/**
 * Returns `request(params)`: discovers the server (once), authenticates the client with the
 * configured method and asks for a token. Transient failures are retried per `config.retries`;
 * an OAuth error such as `invalid_client` rejects at once.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-4.4 | RFC 6749 section 4.4}
 */
export function createTokenRequest(
  config: ResolvedConfig,
  backoff: Omit<RetryPolicy, 'retries'> = DEFAULT_BACKOFF,
): (params: TokenParams) => Promise<IssuedToken> {
  // A server for machine clients may have no authorization_endpoint; only the token endpoint counts.
  const discover = createDiscovery({ ...config, required: ['token_endpoint'] })
  const client: oauth.Client = { client_id: config.clientId }
  const { credential } = config
  const clientAuth =
    credential.method === 'private_key_jwt'
      ? oauth.PrivateKeyJwt(credential.key)
      : credential.method === 'client_secret_post'
        ? oauth.ClientSecretPost(credential.secret)
        : oauth.ClientSecretBasic(credential.secret)
  const policy: RetryPolicy = { ...backoff, retries: config.retries }
  const what = 'The client-credentials token request'

  async function attempt(params: TokenParams): Promise<IssuedToken> {
    const as = await discover()
    const body = new URLSearchParams()
    if (params.scope !== undefined) body.set('scope', params.scope)
    if (params.resource !== undefined) body.set('resource', params.resource)
    let tokens: oauth.TokenEndpointResponse
    try {
      const response = await oauth.clientCredentialsGrantRequest(
        as,
        client,
        clientAuth,
        body,
        requestOptions(config, config.fetch),
      )
      tokens = await oauth.processClientCredentialsResponse(as, client, response)
    } catch (error) {
      throw explain(
        await toAuthErrorWithBody(error, 'token_request_failed', what),
        credential.method,
      )
    }
    if (tokens.token_type !== 'bearer') {
      throw new AuthError(
        'token_request_failed',
        `${what} returned a "${tokens.token_type}" token where a Bearer token was requested.`,
      )
    }
    return { accessToken: tokens.access_token, expiresIn: tokens.expires_in }
  }

  return (params) => withRetry(() => attempt(params), policy)
}

/** Says what to check when the server refused the client itself. */
function explain(error: AuthError, method: ResolvedConfig['credential']['method']): AuthError {
  if (error.error !== 'invalid_client') return error
  const credential = method === 'private_key_jwt' ? 'private key (and its kid)' : 'client secret'
  return new AuthError(
    'token_request_failed',
    `${error.message} Check \`clientId\`, the ${credential}, and that the client is registered for token_endpoint_auth_method "${method}" and the client_credentials grant.`,
    {
      error: error.error,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.error_description === undefined
        ? {}
        : { errorDescription: error.error_description }),
    },
  )
}
