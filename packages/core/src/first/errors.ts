/**
 * The stable error codes of Latchkey. They are part of the public API: codes are added, never
 * renamed.
 */
export type AuthErrorCode =
  | 'config_invalid'
  | 'invalid_argument'
  | 'discovery_failed'
  | 'state_mismatch'
  | 'transaction_missing'
  | 'issuer_mismatch'
  | 'authorization_denied'
  | 'invalid_callback'
  | 'token_request_failed'
  | 'id_token_invalid'
  | 'session_expired'
  | 'login_required'
  | 'origin_not_allowed'
  | 'popup_blocked'
  | 'popup_closed'
  | 'timeout'
  | 'network_error'
  | 'storage_unavailable'
  | 'browser_required'
  | 'dpop_not_accepted'
  | 'step_up_required'

/** What an {@link AuthError} may carry besides its code and message. */
export interface AuthErrorDetails {
  /** The OAuth `error` the server returned, e.g. `access_denied` or `invalid_grant`. */
  error?: string
  /** The server's `error_description`, as text (never render it as HTML). */
  errorDescription?: string
  /** The HTTP status of the server response that failed, when there was one. */
  status?: number
  /** The underlying error. Latchkey never puts an error carrying tokens or codes here. */
  cause?: unknown
}

/**
 * The one error class of Latchkey. Every method that fails rejects with an `AuthError` whose
 * {@link AuthError.code | code} tells what went wrong; `message` says what to do about it.
 *
 * Messages and serialised errors never contain a token, authorization code or verifier.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError'
  /** The stable error code; branch on this, not on the message. */
  readonly code: AuthErrorCode
  /** The OAuth `error` returned by the server, when there was one. */
  readonly error?: string
  /** The server's `error_description`, when there was one. Plain text: never render as HTML. */
  readonly error_description?: string
  /** The HTTP status of the failed server response, when there was one. */
  readonly status?: number
  /**
   * With `step_up_required`: the authentication context classes the API asked for (its
   * challenge's `acr_values`, space-separated there), in its order of preference. Absent when
   * the API asked for none.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9470#section-3 | RFC 9470 section 3}
   */
  // Declared only: set by the on-demand code that raises the error, so it weighs nothing here.
  declare readonly acrValues?: readonly string[]
  /**
   * With `step_up_required`: the most seconds that may have passed since the user last
   * authenticated, as the API asked (its challenge's `max_age`). Absent when it asked for none.
   * @see {@link https://www.rfc-editor.org/rfc/rfc9470#section-3 | RFC 9470 section 3}
   */
  declare readonly maxAge?: number

  constructor(code: AuthErrorCode, message: string, details: AuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = code
    if (details.error !== undefined) this.error = details.error
    if (details.errorDescription !== undefined) this.error_description = details.errorDescription
    if (details.status !== undefined) this.status = details.status
  }

  /** A plain object for logs: code, message and the server's error, nothing else. */
  toJSON(): Record<string, string | number | undefined> {
    // Absent details stay undefined, which JSON.stringify leaves out.
    const { name, code, message, error, error_description, status } = this
    return { name, code, message, error, error_description, status }
  }
}

/** Tells whether `value` is an {@link AuthError}, optionally with the given code. */
export function isAuthError(value: unknown, code?: AuthErrorCode): value is AuthError {
  return value instanceof AuthError && (code === undefined || value.code === code)
}
