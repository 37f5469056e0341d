// The client createAuth() returns on a server (SSR): inert, so it is safe at module scope.
import type { Auth } from './auth.js'
import { AuthError } from './errors.js'
import { type AuthState, SIGNED_OUT } from './state.js'

/** The inert client of a server render: nothing to sign in to, nothing left running. */
export function serverAuth(): Auth {
  const state: AuthState = Object.freeze({ ...SIGNED_OUT, status: 'loading' })
  const refuse = async (): Promise<never> => {
    throw new AuthError(
      'browser_required',
      'Latchkey runs in the browser only: call this from client-side code (an effect, an event handler), not during server rendering.',
    )
  }
  return {
    login: refuse,
    loginWithPopup: refuse,
    loginSilently: refuse,
    handleRedirect: refuse,
    getAccessToken: refuse,
    authFetch: refuse,
    logout: refuse,
    getState: () => state,
    subscribe: () => () => undefined,
    tabId: 'server',
  }
}
