import type { AuthError } from './errors.js'

/**
 * Where the SDK is in its life cycle.
 *
 * - `loading` from `createAuth()` until the session is restored: read from storage, or by the
 *   silent sign-in on load. On the callback page it stays `loading` until
 *   {@link Auth.handleRedirect} settles, so a page that answers "not loading and not signed in"
 *   with `login()` never leaves for the server in the middle of the exchange. A part of the SDK
 *   loaded on demand that cannot be fetched settles it too, as `error` with `network_error`.
 * - `authenticated` while a session is kept. A new sign-in (a popup, a silent one, a step-up with
 *   `maxAge: 0`) completes without leaving it, so a protected page stays rendered; if it fails,
 *   the user stays signed in and `error` holds the failure.
 * - `unauthenticated` when nobody is signed in; `error` when signing in or restoring failed with
 *   nobody signed in (see {@link AuthState.error}). A sign-in completed from either passes through
 *   `loading`.
 */
export type AuthStatus = 'loading' | 'authenticated' | 'unauthenticated' | 'error'

/** The validated ID-token claims of the signed-in user. */
export interface User {
  sub: string
  [claim: string]: unknown
}

/**
 * A snapshot of the SDK's state. The same object is returned by {@link Auth.getState} until
 * something changes, so it can be handed to React's `useSyncExternalStore` directly.
 */
export interface AuthState {
  readonly status: AuthStatus
  /** The validated ID-token claims, or `null` when signed out or when no ID token was issued. */
  readonly user: User | null
  /**
   * The last failure. With no user signed in, `status` is then `'error'`; a signed-in user stays
   * `'authenticated'` (a storage warning, or a stray callback that was refused).
   */
  readonly error: AuthError | null
  /** When the access token expires, in milliseconds since the epoch. */
  readonly expiresAt: number | null
  /** When the tokens were last refreshed (ms since the epoch), or `null` before any refresh. */
  readonly refreshedAt: number | null
  /** The {@link Auth.tabId} of the tab that did the last refresh, or `null`. */
  readonly refreshedBy: string | null
  /**
   * Whether the access token is DPoP-bound (sender-constrained, RFC 9449) and sent with proofs.
   * `false` for a Bearer access token, even when the server bound the refresh token alone.
   */
  readonly dpop: boolean
  /**
   * Whether the session came from a silent sign-in (`prompt=none` in a hidden iframe: the restore
   * on load, or {@link Auth.loginSilently}), so no visible sign-in happened.
   */
  readonly silent: boolean
}

/** The state of a tab with nobody signed in. */
export const SIGNED_OUT: AuthState = {
  status: 'unauthenticated',
  user: null,
  error: null,
  expiresAt: null,
  refreshedAt: null,
  refreshedBy: null,
  dpop: false,
  silent: false,
}

/** Receives every new state. */
export type AuthListener = (state: AuthState) => void

/** A tiny observable holding an immutable {@link AuthState}. */
export class StateStore {
  #state: AuthState
  readonly #listeners = new Set<AuthListener>()

  constructor(initial: AuthState) {
    this.#state = Object.freeze({ ...initial })
  }

  get(): AuthState {
    return this.#state
  }

  set(next: AuthState): void {
    const current = this.#state
    if (
      Object.keys(next).every(
        (key) => current[key as keyof AuthState] === next[key as keyof AuthState],
      )
    ) {
      return
    }
    this.#state = Object.freeze({ ...next })
    for (const listener of [...this.#listeners]) {
      try {
        listener(this.#state)
      } catch (error) {
        // A broken listener must not stop the others nor the SDK; report it where developers look.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  subscribe(listener: AuthListener): () => void {
    if (typeof listener !== 'function') throw new TypeError('subscribe() takes a function')
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }
}
