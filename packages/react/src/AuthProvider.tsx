'use client'
import type { Auth } from '@latchkey/core'
import { type ReactNode, useEffect, useRef } from 'react'
import { AuthContext } from './context.js'
import { handleRedirectOnce } from './handleRedirectOnce.js'

/** Props of {@link AuthProvider}. */
export interface AuthProviderProps {
  /** The client made by `createAuth()` (once, at module scope), or `createTestAuth()` in tests. */
  auth: Auth
  /**
   * Called once after a sign-in completed on the callback page, with the `returnTo` path given to
   * `login()`, so a router can navigate there (e.g. React Router's `navigate(returnTo, { replace: true })`).
   * @default `history.replaceState(history.state, '', returnTo)`
   */
  onRedirect?: (returnTo: string) => void
  /** The app, which reads the client with {@link useAuth} and {@link RequireAuth}. */
  children?: ReactNode
}

function replaceLocation(returnTo: string): void {
  history.replaceState(history.state, '', returnTo)
}

/**
 * Makes `auth` available to {@link useAuth} and {@link RequireAuth} below it. On mount it calls
 * `auth.handleRedirect()` (which resolves `null` unless the page is the callback): exactly once
 * per client, under StrictMode's double effects and remounts alike, and then hands the sign-in's
 * `returnTo` to `onRedirect`, once. It renders nothing of its own and does nothing on a server.
 * @example
 * const auth = createAuth({ issuer, clientId, redirectUri })
 * createRoot(root).render(<AuthProvider auth={auth}><App /></AuthProvider>)
 */
export function AuthProvider({ auth, onRedirect = replaceLocation, children }: AuthProviderProps) {
  // The latest callback, so an inline arrow does not re-run the effect below.
  const onRedirectRef = useRef(onRedirect)
  useEffect(() => {
    onRedirectRef.current = onRedirect
  })

  useEffect(() => {
    let active = true
    const redirect = handleRedirectOnce(auth)
    void redirect.result.then((result) => {
      if (!active || result === null || redirect.delivered) return
      redirect.delivered = true
      onRedirectRef.current(result.returnTo)
    })
    return () => {
      active = false
    }
  }, [auth])

  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>
}
