// createAuth(): the wiring of one client. What a page needs to show its state loads first (this
// folder: the config, the state, the session restored from storage, the public API); what talks
// to the server (protocol/) and the sign-in and sign-out flows (flows/) load on demand, through
// layers.ts.

import type { ProtocolContext } from '../protocol/context.js'
import type { Auth } from './auth.js'
import { type AuthConfig, type ResolvedConfig, resolveConfig } from './config.js'
import type { AuthContext } from './context.js'
import { AuthError, isAuthError } from './errors.js'
import { inspectedPlatform } from './inspect.js'
import { createLayers } from './layers.js'
import { createPage } from './page.js'
import { browserPlatform, type Platform } from './platform.js'
import { openPopupNow } from './popupWindow.js'
import { createRedirectHandler } from './redirect.js'
import { refreshAt } from './refresh.js'
import { restoreOnLoad, SIGNED_IN, SIGNED_OUT } from './restore.js'
import { serverAuth } from './serverAuth.js'
import type { Session } from './session.js'
import { SIGNED_OUT as NOBODY } from './state.js'
import { listenToOtherTabs } from './tabs.js'
import { createTokens } from './tokens.js'

/**
 * Creates a Latchkey client for one authorization server and client. Nothing is fetched until the
 * first call that needs the server, except the silent restore on load (see `silentLogin`).
 *
 * On a server (no `window`, e.g. a Next.js or Nuxt module rendering a page) the client is inert:
 * it opens no channel, storage or timer, its state stays `loading` (as in the first render in the
 * browser), and every method rejects with `browser_required`.
 * @param config the client's settings, see {@link AuthConfig}.
 * @param platform replaces the browser's side effects (fetch, storage, clock, navigation, locks);
 *   for tests and non-browser hosts. Its methods are always called on it, so a class instance
 *   (methods on its prototype, private fields) works as an object literal does.
 * @throws {@link AuthError} `config_invalid` with a message naming the option to fix.
 */
export function createAuth(config: AuthConfig, platform?: Platform): Auth {
  const cfg = resolveConfig(config)
  if (platform === undefined && typeof window === 'undefined') return serverAuth()
  return browserAuth(cfg, platform ?? browserPlatform())
}

function browserAuth(cfg: ResolvedConfig, given: Platform): Auth {
  const { platform, emit } = inspectedPlatform(given, cfg.onEvent)
  const scopeKey = `latchkey:${cfg.issuer.href}:${cfg.clientId}`
  const markerKey = `${scopeKey}:signed-in`
  // Bound sessions are saved by the protocol layer's code, which holds the key by then.
  const protocolParts = () => ctx as Partial<ProtocolContext>
  const page = createPage(cfg, platform, scopeKey, () => protocolParts().keys?.persistent ?? true)
  const { store, sessions, channel } = page
  const ctx: AuthContext = {
    cfg,
    platform,
    scopeKey,
    tabId: randomId(),
    sessions: page.sessions,
    transactionStorage: page.transactionStorage,
    withRefreshLock: (task) => platform.withLock(`${scopeKey}:refresh`, task),
    show,
    fail(error) {
      if (sessions.current === null) {
        store.set({ ...NOBODY, status: 'error', error })
      } else {
        show(sessions.current)
        store.set({ ...store.get(), error })
      }
      throw error
    },
    loading: () => store.set({ ...store.get(), status: 'loading' }),
    tell: (type) => channel?.post({ type, tabId: ctx.tabId }),
    emit,
    leave(url) {
      leaving = true
      platform.navigate(url)
    },
    mark(signedIn) {
      const value = signedIn ? SIGNED_IN : SIGNED_OUT
      void platform.flags.set(markerKey, value).catch(() => undefined)
    },
    restoredKey: () => loaded.takeKey(),
  }
  const layers = createLayers(ctx)
  // The protocol's download starts while storage is read, when a session is likely.
  const loaded = restoreOnLoad(ctx, markerKey, () => void layers.protocol().catch(() => undefined))
  // Then, when nothing was kept but this browser was signed in before, one silent sign-in. Its
  // code failing to load settles the state too (`network_error`): nothing waits for ever.
  const restored = loaded.session
    .then(async (session) => {
      if (page.onCallback) return
      const silently =
        session === null && cfg.silentLogin !== false && (await loaded.marker) === SIGNED_IN
      if (silently) {
        const [flow, { ctx: withProtocol }] = await layers.load(
          import('../flows/silentLogin.js'),
          'The silent sign-in on load',
        )
        if (await flow.restoreSilently(withProtocol)) return
      }
      show(sessions.current ?? session)
    })
    .catch(() => undefined)
  const tokens = createTokens(ctx, layers, restored)
  const handleRedirect = createRedirectHandler(ctx, layers, loaded.session)
  if (cfg.autoRefresh) platform.onVisible(tokens.refreshIfDue)

  // The proactive refresh: an optimisation only (browsers throttle timers); reads refresh anyway.
  let cancelTimer: () => void = () => undefined
  function show(session: Session | null, error: AuthError | null = null): void {
    page.show(session, error)
    prefetchNextStep(session !== null)
    cancelTimer()
    if (cfg.autoRefresh && session?.refreshToken !== undefined && session.expiresAt !== null) {
      const delay = Math.max(refreshAt(session, cfg.refreshLeeway * 1000) - platform.now(), 1000)
      cancelTimer = platform.setTimer(tokens.refreshIfDue, delay)
    }
  }
  // The code of the next step a user can take (logout when signed in, else the sign-in) is
  // fetched in the background, while the deploy that served the page is still the one online:
  // the click then needs no download. Not at once: a second later, and once the first API call
  // has answered (on a cold load what the user waits for, which the download would slow), and
  // never for a logout's page that leaves for the end-session endpoint, which would not use it.
  let firstCall: Promise<unknown> | undefined
  function prefetchNextStep(signedIn: boolean): void {
    platform.setTimer(async () => {
      await firstCall
      await loggingOut
      if (leaving) return
      const next = signedIn
        ? import('../flows/logout.js')
        : import('../flows/authorizationRequest.js')
      next.catch(() => undefined)
    }, 1000)
  }

  // A logout that ends the server session navigates there once its revocation is answered; the
  // state says `unauthenticated` before that. A login() in between (a protected page's reaction,
  // React's <RequireAuth>) waits for the logout, and starts nothing once the page is on its way:
  // its navigation would replace the logout's. A page back from the back/forward cache is shown
  // again, and may sign in.
  let loggingOut: Promise<unknown> = Promise.resolve()
  let leaving = false
  platform.onVisible(() => {
    leaving = false
  })

  listenToOtherTabs(ctx, page, () => {
    // The other tab deleted the DPoP key with its session; a later sign-in here makes a new one.
    loaded.forgetKey()
    protocolParts().keys?.forget()
  })

  // On the callback page the state stays `loading` until handleRedirect() settles, whatever other
  // tabs report meanwhile: an app that answers "not loading and signed out" with login() must not
  // leave for the server in the middle of the exchange. A page that only relayed the response to
  // the window that started the sign-in (handleRedirect() resolved `null` there) then starts no
  // login: in a hidden iframe that would be a full, visible login.
  let relayed = false
  function settleCallback(result: ReturnType<typeof handleRedirect>): typeof result {
    if (page.onCallback) {
      void result
        .catch(() => undefined)
        .then(async (done) => {
          relayed = done === null
          await restored
          page.holding = false
          if (store.get().status === 'loading') show(sessions.current)
        })
    }
    return result
  }

  /** Runs a flow after the restore; a failure is an AuthError, and shown in the state. */
  async function run(flow: () => Promise<void>, what: string): Promise<void> {
    await loaded.session
    try {
      await flow()
    } catch (error) {
      // Anything but an AuthError came from a flow, so the protocol layer is loaded.
      const protocol = isAuthError(error)
        ? undefined
        : await layers.protocol().catch(() => undefined)
      ctx.fail(
        protocol
          ? protocol.module.toAuthError(error, 'discovery_failed', what)
          : (error as AuthError),
      )
    }
  }

  return {
    login: (options = {}) =>
      run(async () => {
        await loggingOut
        if (leaving || relayed) return
        const [flow, { ctx: withProtocol }] = await layers.load(
          import('../flows/authorizationRequest.js'),
          'login()',
        )
        platform.navigate((await flow.startAuthorization(withProtocol, options)).url)
      }, 'login()'),
    loginWithPopup(options = {}) {
      // Opened here, synchronously, while the click that called this is still the user's gesture.
      const popup = openPopupNow()
      return run(async () => {
        if (popup === null) {
          throw new AuthError(
            'popup_blocked',
            'The browser blocked the popup: call loginWithPopup() right in a click handler, or use login().',
          )
        }
        // Without its code (offline, a redeploy) the empty popup would stay open: it is closed.
        const loading = layers.load(import('../flows/popup.js'), 'loginWithPopup()')
        loading.catch(() => popup.close())
        const [flow, { ctx: withProtocol }] = await loading
        await flow.popupLogin(withProtocol, popup, options)
      }, 'loginWithPopup()')
    },
    loginSilently: (options = {}) =>
      run(async () => {
        const [flow, { ctx: withProtocol }] = await layers.load(
          import('../flows/silentLogin.js'),
          'loginSilently()',
        )
        await flow.silentLogin(withProtocol, options)
      }, 'loginSilently()'),
    handleRedirect: (url) => settleCallback(handleRedirect(url)),
    getAccessToken: async (options = {}) =>
      (await tokens.validSession(options.forceRefresh)).accessToken,
    authFetch(input, init) {
      const call = tokens.authFetch(input, init)
      firstCall ??= call.catch(() => undefined)
      return call
    },
    logout: async (options = {}) => {
      await restored
      const done = (async () => {
        const [flow, { ctx: withProtocol }] = await layers.load(
          import('../flows/logout.js'),
          'logout()',
        )
        await flow.logout(withProtocol, options)
      })()
      loggingOut = done.catch(() => undefined)
      await done
    },
    getState: () => store.get(),
    subscribe: (listener) => store.subscribe(listener),
    tabId: ctx.tabId,
  }
}

/** An id for this tab in the messages tabs exchange (not a secret). */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => byte.toString(36))
    .join('')
    .slice(0, 8)
}
