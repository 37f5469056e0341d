'use client'
import type { Auth, AuthError, AuthState, AuthStatus, User } from '@latchkey/core'
import { useMemo, useSyncExternalStore } from 'react'
import { useAuthClient } from './context.js'

/** The client's methods, bound once per client so they keep their identity across renders. */
export type AuthMethods = Pick<
  Auth,
  'login' | 'loginWithPopup' | 'loginSilently' | 'logout' | 'getAccessToken' | 'authFetch'
>

/** What {@link useAuth} returns: the current state and the client's methods. */
export interface UseAuthResult extends AuthMethods {
  /** Where the SDK is: `'loading'` until the session is restored (and always on a server). */
  readonly status: AuthStatus
  /** `status === 'loading'`. */
  readonly isLoading: boolean
  /** `status === 'authenticated'`. */
  readonly isAuthenticated: boolean
  /** The validated ID-token claims, or `null`. */
  readonly user: User | null
  /** The last failure, or `null`. */
  readonly error: AuthError | null
  /** When the access token expires, in milliseconds since the epoch, or `null`. */
  readonly expiresAt: number | null
}

// What a server render and hydration see: the inert server client's state, as one constant so
// React gets the same snapshot every time.
const SERVER_STATE: AuthState = Object.freeze({
  status: 'loading',
  user: null,
  error: null,
  expiresAt: null,
  refreshedAt: null,
  refreshedBy: null,
  dpop: false,
  silent: false,
})
const serverState = (): AuthState => SERVER_STATE

function bind(auth: Auth) {
  const store = { subscribe: auth.subscribe.bind(auth), getState: auth.getState.bind(auth) }
  const methods: AuthMethods = {
    login: auth.login.bind(auth),
    loginWithPopup: auth.loginWithPopup.bind(auth),
    loginSilently: auth.loginSilently.bind(auth),
    logout: auth.logout.bind(auth),
    getAccessToken: auth.getAccessToken.bind(auth),
    authFetch: auth.authFetch.bind(auth),
  }
  return { store, methods }
}

/**
 * The auth state of the nearest {@link AuthProvider}'s client, re-rendering on every change, and
 * its methods, whose identity stays the same across renders (safe in effect dependencies). On a
 * server and during hydration the state is `loading`.
 * @throws Error when no {@link AuthProvider} is above the calling component.
 * @example
 * const { isAuthenticated, user, login, authFetch } = useAuth()
 */
export function useAuth(): UseAuthResult {
  const auth = useAuthClient()
  const { store, methods } = useMemo(() => bind(auth), [auth])
  const state = useSyncExternalStore(store.subscribe, store.getState, serverState)
  return useMemo(
    () => ({
      status: state.status,
      isLoading: state.status === 'loading',
      isAuthenticated: state.status === 'authenticated',
      user: state.user,
      error: state.error,
      expiresAt: state.expiresAt,
      ...methods,
    }),
    [state, methods],
  )
}
