// Maps a failed request to the authorization server to an AuthError that keeps the HTTP status,
// which decides whether the request is retried.
import { AuthError, type AuthErrorCode, toAuthError } from '@latchkey/core/internal'
import * as oauth from 'oauth4webapi'

/**
 * Like core's `toAuthError`, plus: a 401 whose `WWW-Authenticate` challenge hides the OAuth error
 * in the body (`invalid_client` with HTTP Basic, RFC 6749 section 5.2) reports that error, and a
 * non-OAuth error response (an HTML 503 from a proxy) keeps its status.
 */
export async function requestError(
  error: unknown,
  fallback: AuthErrorCode,
  what: string,
): Promise<AuthError> {
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const body = await readErrorBody(error.response)
    if (body !== undefined) return oauthError(fallback, what, error.response.status, body)
  }
  const mapped = toAuthError(error, fallback, what)
  if (
    mapped.status === undefined &&
    error instanceof oauth.OperationProcessingError &&
    error.cause instanceof Response &&
    !error.cause.ok
  ) {
    const { status } = error.cause
    return new AuthError(mapped.code, `${what} failed: the server answered HTTP ${status}.`, {
      status,
    })
  }
  return mapped
}

async function readErrorBody(
  response: Response,
): Promise<{ error: string; error_description?: string } | undefined> {
  try {
    const body: unknown = await response.clone().json()
    if (typeof body !== 'object' || body === null) return undefined
    const { error, error_description } = body as Record<string, unknown>
    if (typeof error !== 'string') return undefined
    return typeof error_description === 'string' ? { error, error_description } : { error }
  } catch {
    return undefined
  }
}

function oauthError(
  code: AuthErrorCode,
  what: string,
  status: number,
  body: { error: string; error_description?: string },
): AuthError {
  const description = body.error_description
  return new AuthError(
    code,
    `${what} failed: the server answered ${status} ${body.error}${description ? ` (${description})` : ''}.`,
    description === undefined
      ? { error: body.error, status }
      : { error: body.error, status, errorDescription: description },
  )
}
