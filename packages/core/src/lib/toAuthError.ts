// Turns whatever a protocol step threw into an AuthError with a code, keeping no secrets.
import * as oauth from 'oauth4webapi'
import { AuthError, type AuthErrorCode } from '../errors.js'

/**
 * Maps an error from oauth4webapi or fetch to an {@link AuthError}.
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
    const details = { error: error.error, status: error.status }
    const description = error.error_description
    return new AuthError(
      fallback,
      `${what} failed: the server answered ${error.status} ${error.error}${description ? ` (${description})` : ''}.`,
      description === undefined ? details : { ...details, errorDescription: description },
    )
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const challenge = error.cause[0]
    const serverError = challenge?.parameters.error
    return new AuthError(
      fallback,
      `${what} failed: the server answered ${error.response.status}${serverError ? ` ${serverError}` : ''}.`,
      serverError === undefined
        ? { status: error.response.status }
        : { status: error.response.status, error: serverError },
    )
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
