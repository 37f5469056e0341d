'use client'
import { type ReactNode, useEffect, useRef } from 'react'
import { useAuthClient } from './context.js'
import { handleRedirectOnce } from './handleRedirectOnce.js'
import { useAuth } from './useAuth.js'

/** Props of {@link RequireAuth}. */
export interface RequireAuthProps {
  /** What to render until a user is signed in, and when signing in failed. @default null */
  fallback?: ReactNode
  /** What to render for a signed-in user. */
  children?: ReactNode
}

/**
 * Renders `children` for a signed-in user. Signed out, it starts `login()` once, with `returnTo`
 * set to the current path, query and fragment so the user comes back here, and renders
 * `fallback`; it renders `fallback` while the session loads too. In the `error` state it renders
 * `fallback` and starts nothing, so a failing sign-in cannot loop (show `useAuth().error` there).
 * On the callback page it lets the provider's `handleRedirect()` finish first.
 * @throws Error when no {@link AuthProvider} is above it.
 * @example
 * <RequireAuth fallback={<p>Signing you in…</p>}><Account /></RequireAuth>
 */
export function RequireAuth({ fallback = null, children }: RequireAuthProps) {
  const auth = useAuthClient()
  const { status, login } = useAuth()
  // Refs survive StrictMode's second effect run, so one sign-out starts one login.
  const loginStarted = useRef(false)
  const mounted = useRef(false)

  useEffect(() => {
    mounted.current = true
    return () => {
      mounted.current = false
    }
  }, [])

  useEffect(() => {
    if (status === 'authenticated') loginStarted.current = false
    if (status !== 'unauthenticated' || loginStarted.current) return
    loginStarted.current = true
    // This effect runs before the provider's (children's effects come first): on the callback
    // page, the sign-in being completed there must not be answered with a new one.
    void handleRedirectOnce(auth).result.then(() => {
      if (!mounted.current || auth.getState().status !== 'unauthenticated') {
        loginStarted.current = false
        return
      }
      const { pathname, search, hash } = window.location
      // A failure moves the state to `error`, rendered as fallback: nothing to handle here.
      login({ returnTo: `${pathname}${search}${hash}` }).catch(() => undefined)
    })
  }, [status, auth, login])

  return <>{status === 'authenticated' ? children : fallback}</>
}
