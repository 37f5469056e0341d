// Turns whatever a protocol step threw into an AuthError with a code, keeping no secrets.
import * as oauth from 'oauth4webapi'
import type { AuthErrorCode } from '../first/errors.js'
import { AuthError } from './firstLoad.js'

/**
 * Maps an error from oauth4webapi or fetch to an {@link AuthError}. An error response keeps its
 * HTTP `status`, also when it is no OAuth error (an empty 401, an HTML 503 from a proxy).
 * @param fallback the code for failures that are not a network error, timeout or server error body.
 * @param what a short description of the step, used in messages.
 */
export function toAuthError(error: unknown, fallback: AuthErrorCode, what: string): AuthError {
  if (error instanceof AuthError) return error
  if (
    error instanceof DOMException &&
    (error.name === 'TimeoutError' || error.name === 'AbortError')
  ) {
    return new AuthError('timeout', `${what} timed out.`)
  }
  if (error instanceof oauth.ResponseBodyError) {
    return answered(fallback, what, error.status, error.error, error.error_description)
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const serverError = error.cause[0]?.parameters.error
    return answered(fallback, what, error.response.status, serverError)
  }
  if (
    error instanceof oauth.OperationProcessingError &&
    error.cause instanceof Response &&
    !error.cause.ok
  ) {
    // oauth4webapi reports an error status without an OAuth error body by what the body lacks
    // ("content-type must be application/json"); the status is what tells the cause.
    return answered(fallback, what, error.cause.status)
  }
  if (
    error instanceof oauth.OperationProcessingError ||
    error instanceof oauth.UnsupportedOperationError
  ) {
    // oauth4webapi's messages describe the check that failed and hold no token values; its `cause`
    // may hold response parameters (an authorization code), so it is not kept.
    return new AuthError(fallback, `${what} failed: ${error.message}.`)
  }
  if (error instanceof TypeError && !('code' in error)) {
    // fetch() rejects with a plain TypeError when the network, DNS, TLS or CORS fails;
    // oauth4webapi's own TypeErrors carry a `code` and are not network failures.
    return new AuthError(
      'network_error',
      `${what} failed: the network request did not complete (${error.message}).`,
      {
        cause: error,
      },
    )
  }
  return new AuthError(
    fallback,
    `${what} failed: ${error instanceof Error ? error.message : String(error)}.`,
  )
}

/**
 * Like {@link toAuthError}, and also reads the body of a `WWW-Authenticate` challenge response:
 * a token endpoint refusing HTTP Basic client authentication answers 401 with a `Basic` challenge
 * and puts the OAuth error (`invalid_client`) in the JSON body, which oauth4webapi leaves unread.
 * Asynchronous because of that read; use it where the caller can wait.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 section 5.2}
 */
export async function toAuthErrorWithBody(
  error: unknown,
  fallback: AuthErrorCode,
  what: string,
): Promise<AuthError> {
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const body = await errorBody(error.response)
    if (body !== undefined) {
      return answered(fallback, what, error.response.status, body.error, body.error_description)
    }
  }
  return toAuthError(error, fallback, what)
}

/** The OAuth `error` and `error_description` of a JSON error body; only those, never the rest. */
async function errorBody(
  response: Response,
): Promise<{ error: string; error_description: string | undefined } | undefined> {
  try {
    const body: unknown = await response.clone().json()
    if (typeof body !== 'object' || body === null) return undefined
    const { error, error_description } = body as Record<string, unknown>
    if (typeof error !== 'string' || error === '') return undefined
    return {
      error,
      error_description: typeof error_description === 'string' ? error_description : undefined,
    }
  } catch {
    return undefined
  }
}

function answered(
  code: AuthErrorCode,
  what: string,
  status: number,
  error?: string,
  description?: string,
): AuthError {
  const detail =
    error === undefined
      ? `HTTP ${status}`
      : `${status} ${error}${description ? ` (${description})` : ''}`
  return new AuthError(code, `${what} failed: the server answered ${detail}.`, {
    status,
    ...(error === undefined ? {} : { error }),
    ...(description === undefined ? {} : { errorDescription: description }),
  })
}
