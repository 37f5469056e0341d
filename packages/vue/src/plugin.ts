// The Vue plugin: provides one Latchkey client to an app and finishes a sign-in on the callback page.
import type { Auth, AuthState, RedirectResult } from '@latchkey/core'
import {
  type App,
  computed,
  hasInjectionContext,
  type InjectionKey,
  inject,
  type Plugin,
  shallowRef,
} from 'vue'
import type { UseAuthResult } from './useAuth.js'

/** Options of {@link createLatchkey}. */
export interface LatchkeyPluginOptions {
  /**
   * Called once after a sign-in completed on the callback page, with the `returnTo` path given to
   * `login()`, so a router can go there: with vue-router, `(returnTo) => router.replace(returnTo)`.
   * @default `history.replaceState(history.state, '', returnTo)`
   */
  onRedirect?: (returnTo: string) => void
}

/** What the plugin provides to the app: the client, its state as refs, and the callback handling. */
export interface Latchkey {
  readonly auth: Auth
  /** The shared result of {@link useAuth}. */
  readonly result: UseAuthResult
  /** `handleRedirect()`'s result on the callback page, `null` elsewhere and when it failed. */
  readonly redirect: Promise<RedirectResult | null>
}

/** The key under which {@link createLatchkey} provides the client. */
export const latchkeyKey: InjectionKey<Latchkey> = Symbol('latchkey')

function replaceLocation(returnTo: string): void {
  history.replaceState(history.state, '', returnTo)
}

/**
 * The plugin that makes `auth` available to {@link useAuth} and {@link createAuthGuard}. On
 * install, in a browser, it calls `auth.handleRedirect()` (which resolves `null` unless the page is
 * the callback) and then hands the sign-in's `returnTo` to `onRedirect`, once. The state is copied
 * into a `shallowRef` on every change, and the subscription ends when the app unmounts. On a
 * server it only provides the client, whose state stays `loading`.
 * @example
 * const auth = createAuth({ issuer, clientId, redirectUri })
 * createApp(App)
 *   .use(router)
 *   .use(createLatchkey(auth, { onRedirect: (returnTo) => router.replace(returnTo) }))
 *   .mount('#app')
 */
export function createLatchkey(auth: Auth, options: LatchkeyPluginOptions = {}): Plugin {
  if (auth === null || typeof auth !== 'object' || typeof auth.subscribe !== 'function') {
    throw new TypeError(
      'createLatchkey() takes the client made by createAuth() or createTestAuth().',
    )
  }
  const { onRedirect = replaceLocation } = options
  return {
    install(app: App) {
      const state = shallowRef<AuthState>(auth.getState())
      let redirect: Promise<RedirectResult | null> = Promise.resolve(null)
      if (typeof window !== 'undefined') {
        app.onUnmount(
          auth.subscribe((next) => {
            state.value = next
          }),
        )
        // A failure is already in the auth state (status `error`), where useAuth() shows it.
        redirect = auth.handleRedirect().catch(() => null)
        void redirect.then((result) => {
          if (result !== null) onRedirect(result.returnTo)
        })
      }
      app.provide(latchkeyKey, { auth, result: bind(auth, state), redirect })
    },
  }
}

function bind(auth: Auth, state: { readonly value: AuthState }): UseAuthResult {
  return {
    status: computed(() => state.value.status),
    isLoading: computed(() => state.value.status === 'loading'),
    isAuthenticated: computed(() => state.value.status === 'authenticated'),
    user: computed(() => state.value.user),
    error: computed(() => state.value.error),
    expiresAt: computed(() => state.value.expiresAt),
    login: auth.login.bind(auth),
    loginWithPopup: auth.loginWithPopup.bind(auth),
    loginSilently: auth.loginSilently.bind(auth),
    logout: auth.logout.bind(auth),
    getAccessToken: auth.getAccessToken.bind(auth),
    authFetch: auth.authFetch.bind(auth),
  }
}

/**
 * The app's {@link Latchkey}, from a component's `setup()` or a router guard.
 * @throws Error naming `caller` when there is no app to ask, or the app has not installed the plugin.
 */
export function injectLatchkey(caller: string): Latchkey {
  const latchkey = hasInjectionContext() ? inject(latchkeyKey, null) : null
  if (latchkey === null) {
    throw new Error(
      hasInjectionContext()
        ? `${caller} needs the Latchkey plugin: call app.use(createLatchkey(auth)) before mounting the app.`
        : `${caller} was called outside a component's setup() and outside a router guard, where there is no app to read the Latchkey client from.`,
    )
  }
  return latchkey
}
