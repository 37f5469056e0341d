import type { Auth, AuthError, AuthStatus, User } from '@latchkey/core'
import type { ComputedRef } from 'vue'
import { injectLatchkey } from './plugin.js'

/** The client's methods, bound to it, so they can be destructured and passed around. */
export type AuthMethods = Pick<
  Auth,
  'login' | 'loginWithPopup' | 'loginSilently' | 'logout' | 'getAccessToken' | 'authFetch'
>

/** What {@link useAuth} returns: the state as readonly refs, and the client's methods. */
export interface UseAuthResult extends AuthMethods {
  /** Where the SDK is: `'loading'` until the session is restored (and always on a server). */
  readonly status: ComputedRef<AuthStatus>
  /** `status === 'loading'`. */
  readonly isLoading: ComputedRef<boolean>
  /** `status === 'authenticated'`. */
  readonly isAuthenticated: ComputedRef<boolean>
  /** The validated ID-token claims, or `null`. */
  readonly user: ComputedRef<User | null>
  /** The last failure, or `null`. */
  readonly error: ComputedRef<AuthError | null>
  /** When the access token expires, in milliseconds since the epoch, or `null`. */
  readonly expiresAt: ComputedRef<number | null>
}

/**
 * The auth state of the app's client as readonly refs, which update on every change, and its
 * methods. Every component of an app gets the same object, so destructuring it is safe.
 * @throws Error when the app has not installed {@link createLatchkey}, or when called outside
 * `setup()` (and outside a router guard).
 * @example
 * const { isAuthenticated, user, login, authFetch } = useAuth()
 */
export function useAuth(): UseAuthResult {
  return injectLatchkey('useAuth()').result
}
