// Bounded exponential backoff for requests to the authorization server.
import { type AuthError, isAuthError } from '@latchkey/core/internal'

/** What {@link withRetry} needs; tests pass a fake `sleep`. */
export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  retries: number
  /** The first wait in milliseconds; each further wait doubles, up to `maxDelayMs`. */
  delayMs: number
  maxDelayMs: number
  sleep(ms: number): Promise<void>
}

/** The default policy apart from `retries`: 100 ms, 200 ms, 400 ms, ... at most 5 s. */
export const DEFAULT_BACKOFF = {
  delayMs: 100,
  maxDelayMs: 5_000,
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
} satisfies Omit<RetryPolicy, 'retries'>

/**
 * Whether a failed request may succeed if sent again: the network failed, it timed out, or the
 * server was unavailable (5xx, 408, 429). An OAuth error such as `invalid_client` is an answer, so
 * it is not.
 */
export function isTransient(error: AuthError): boolean {
  if (error.code === 'network_error' || error.code === 'timeout') return true
  const status = error.status
  if (status !== undefined && (status >= 500 || status === 408 || status === 429)) return true
  // A discovery that failed on the network keeps that failure as its cause.
  return isAuthError(error.cause) && isTransient(error.cause)
}

/**
 * Runs `task`; when it fails transiently (see {@link isTransient}) runs it again after a wait,
 * at most `policy.retries` more times, and rejects with the last error.
 */
export async function withRetry<T>(
  task: () => Promise<T>,
  policy: RetryPolicy,
  transient: (error: AuthError) => boolean = isTransient,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await task()
    } catch (error) {
      if (!(attempt < policy.retries && isAuthError(error) && transient(error))) throw error
      await policy.sleep(Math.min(policy.delayMs * 2 ** attempt, policy.maxDelayMs))
    }
  }
}
