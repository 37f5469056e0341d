import type { Auth, AuthState } from '@latchkey/core'
import { injectLatchkey } from './plugin.js'

/**
 * The part of a vue-router route the guard reads (vue-router's `RouteLocationNormalized` has it):
 * `meta` merges the meta of every matched record, so a parent's `requiresAuth` covers its children.
 */
export interface GuardedRoute {
  readonly fullPath: string
  readonly meta: { readonly requiresAuth?: unknown }
}

/** A navigation guard for `router.beforeEach()`: `true` lets the navigation through, `false` stops it. */
export type AuthGuard = (to: GuardedRoute) => Promise<boolean>

/**
 * A vue-router navigation guard for routes with `meta: { requiresAuth: true }`. It lets such a
 * route through for a signed-in user, and waits while the session loads (and while the callback
 * page finishes a sign-in). Signed out, it starts `login()` once, with `returnTo` set to the
 * target route's full path, and stops the navigation. In the `error` state it stops the
 * navigation and starts nothing, so a failing sign-in cannot loop (show `useAuth().error`).
 * Other routes always pass. On a server every route passes: the guard runs again in the browser.
 * @param auth The client; by default the one the app's {@link createLatchkey} plugin provides.
 * @example
 * router.beforeEach(createAuthGuard())
 */
export function createAuthGuard(auth?: Auth): AuthGuard {
  // One login per sign-out: navigations while the page leaves for the server start no second one.
  let loginStarted = false
  if (typeof window !== 'undefined') {
    // A page restored from the back/forward cache may need a new sign-in.
    window.addEventListener('pageshow', (event) => {
      if (event.persisted) loginStarted = false
    })
  }
  return async (to) => {
    if (!to.meta.requiresAuth || typeof window === 'undefined') return true
    // Read before any await: inject() works only while vue-router runs the guard.
    const { auth: client, redirect } =
      auth === undefined ? injectLatchkey('createAuthGuard()') : { auth, redirect: null }
    await redirect
    const { status } = await settled(client)
    if (status === 'authenticated') {
      loginStarted = false
      return true
    }
    if (status === 'unauthenticated' && !loginStarted) {
      loginStarted = true
      // A failure moves the state to `error`, which the app shows and where no login starts.
      client.login({ returnTo: to.fullPath }).catch(() => {
        loginStarted = false
      })
    }
    return false
  }
}

/** The client's state once it is no longer `loading`. */
function settled(auth: Auth): Promise<AuthState> {
  return new Promise((resolve) => {
    const unsubscribe = auth.subscribe(check)
    check()
    function check(): void {
      const state = auth.getState()
      if (state.status === 'loading') return
      unsubscribe()
      resolve(state)
    }
  })
}
