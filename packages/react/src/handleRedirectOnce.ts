'use client'
// One callback handling per client and page load, shared by <AuthProvider> and <RequireAuth>.
import type { Auth, RedirectResult } from '@latchkey/core'

/** The shared handling of the callback by one client. */
export interface Redirect {
  /** `handleRedirect()`'s result; `null` when the page is no callback or the callback failed. */
  readonly result: Promise<RedirectResult | null>
  /** Whether `onRedirect` was called with the result, so a remounted provider does not again. */
  delivered: boolean
}

// Keyed by client rather than held in a ref: a ref dies with its fiber, so a real remount (a
// parent's key change, a Suspense boundary re-suspending) would handle the callback a second time.
const redirects = new WeakMap<Auth, Redirect>()

/**
 * Calls `auth.handleRedirect()` the first time it is asked for `auth`, and returns that same
 * handling every later time. Call it from effects only: it reads the page's URL.
 */
export function handleRedirectOnce(auth: Auth): Redirect {
  let redirect = redirects.get(auth)
  if (redirect === undefined) {
    // A failure is already in the auth state (status `error`), where useAuth() shows it.
    redirect = { result: auth.handleRedirect().catch(() => null), delivered: false }
    redirects.set(auth, redirect)
  }
  return redirect
}
