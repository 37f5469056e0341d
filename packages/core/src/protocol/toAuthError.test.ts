// What an app sees when the authorization server answers with an error: the real answers run
// through oauth4webapi's own response processing, as in the SDK.
import '../__tests__/linked.js'
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { AuthError } from '../first/errors.js'
import { toAuthError, toAuthErrorWithBody } from './toAuthError.js'

const as: oauth.AuthorizationServer = {
  issuer: 'https://id.example.com',
  token_endpoint: 'https://id.example.com/token',
}
const client: oauth.Client = { client_id: 'app' }

/** What oauth4webapi rejects with for this revocation endpoint response. */
async function revocationFailure(response: Response): Promise<unknown> {
  return oauth.processRevocationResponse(response).then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

/** What oauth4webapi rejects with for this token endpoint response. */
async function tokenFailure(response: Response): Promise<unknown> {
  return oauth.processClientCredentialsResponse(as, client, response).then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })

describe('toAuthError', () => {
  it('keeps the status of a 401 with an empty body and says it', async () => {
    const error = toAuthError(
      await revocationFailure(new Response(null, { status: 401 })),
      'token_request_failed',
      'Revoking the refresh token',
    )
    expect(error).toBeInstanceOf(AuthError)
    expect(error.code).toBe('token_request_failed')
    expect(error.status).toBe(401)
    expect(error.error).toBeUndefined()
    expect(error.message).toBe('Revoking the refresh token failed: the server answered HTTP 401.')
  })

  it('keeps the status of an HTML 503 from a proxy, and none of its text', async () => {
    const page = '<html><body>Service Unavailable, request id s3cr3t-123</body></html>'
    const error = toAuthError(
      await tokenFailure(
        new Response(page, { status: 503, headers: { 'content-type': 'text/html' } }),
      ),
      'token_request_failed',
      'The token request',
    )
    expect(error.status).toBe(503)
    expect(error.message).toBe('The token request failed: the server answered HTTP 503.')
    expect(JSON.stringify(error)).not.toContain('s3cr3t')
  })

  it('keeps the status of a 4xx JSON body that is no OAuth error', async () => {
    const error = toAuthError(
      await tokenFailure(json(403, { message: 'Forbidden by policy' })),
      'token_request_failed',
      'The token request',
    )
    expect(error.status).toBe(403)
    expect(error.message).toBe('The token request failed: the server answered HTTP 403.')
  })

  it('reports an OAuth error body with its error, description and status', async () => {
    const error = toAuthError(
      await tokenFailure(
        json(400, { error: 'invalid_grant', error_description: 'refresh token expired' }),
      ),
      'token_request_failed',
      'Refreshing the session',
    )
    expect(error).toMatchObject({
      code: 'token_request_failed',
      error: 'invalid_grant',
      error_description: 'refresh token expired',
      status: 400,
      message:
        'Refreshing the session failed: the server answered 400 invalid_grant (refresh token expired).',
    })
  })

  it('reports the error of a WWW-Authenticate challenge with its status', async () => {
    const error = toAuthError(
      await tokenFailure(
        new Response(null, {
          status: 400,
          headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof"' },
        }),
      ),
      'token_request_failed',
      'The token request',
    )
    expect(error).toMatchObject({ error: 'invalid_dpop_proof', status: 400 })
    expect(error.message).toBe(
      'The token request failed: the server answered 400 invalid_dpop_proof.',
    )
  })

  it("keeps oauth4webapi's message for a 200 that is not JSON", async () => {
    const error = toAuthError(
      await tokenFailure(new Response('ok', { status: 200 })),
      'token_request_failed',
      'The token request',
    )
    expect(error.status).toBeUndefined()
    expect(error.message).toMatch(/content-type must be application\/json/)
  })
})

describe('toAuthErrorWithBody', () => {
  it('reads the OAuth error a Basic challenge leaves in the body', async () => {
    const response = json(
      401,
      { error: 'invalid_client', error_description: 'client authentication failed' },
      { 'www-authenticate': 'Basic realm="id.example.com"' },
    )
    const failure = await tokenFailure(response)
    expect(toAuthError(failure, 'token_request_failed', 'The token request')).toMatchObject({
      status: 401,
      message: 'The token request failed: the server answered HTTP 401.',
    })
    expect(
      await toAuthErrorWithBody(failure, 'token_request_failed', 'The token request'),
    ).toMatchObject({
      code: 'token_request_failed',
      error: 'invalid_client',
      error_description: 'client authentication failed',
      status: 401,
      message:
        'The token request failed: the server answered 401 invalid_client (client authentication failed).',
    })
  })

  it('falls back to the status when the challenge body is not an OAuth error', async () => {
    const response = new Response('Unauthorized', {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="id.example.com"' },
    })
    const error = await toAuthErrorWithBody(
      await tokenFailure(response),
      'token_request_failed',
      'The token request',
    )
    expect(error.status).toBe(401)
    expect(error.error).toBeUndefined()
    expect(error.message).toBe('The token request failed: the server answered HTTP 401.')
  })

  it('maps everything else as toAuthError does', async () => {
    const error = await toAuthErrorWithBody(
      await revocationFailure(new Response(null, { status: 401 })),
      'token_request_failed',
      'Revoking the refresh token',
    )
    expect(error).toMatchObject({ status: 401, message: expect.stringMatching(/HTTP 401/) })
  })
})
