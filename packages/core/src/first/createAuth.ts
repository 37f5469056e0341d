// createAuth(): the wiring of one client. What a page needs to show its state loads first (this
// folder: the config, the state, the session restored from storage, the public API); what talks
// to the server (protocol/) and the sign-in and sign-out flows (flows/) load on demand, through
// layers.ts.
import type { ProtocolContext } from '../protocol/context.js'
import type { Auth } from './auth.js'
import { type AuthConfig, type ResolvedConfig, resolveConfig } from './config.js'
import type { AuthContext } from './context.js'
import type { AuthError } from './errors.js'
import { createFlowMethods } from './flowMethods.js'
import { inspectedPlatform } from './inspect.js'
import { createLayers } from './layers.js'
import { createPage } from './page.js'
import { browserPlatform, type Platform } from './platform.js'
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
    reportStorage: page.reportStorage,
    withRefreshLock: (task) => platform.withLock(`${scopeKey}:refresh`, task),
    show,
    fail(error) {
      emit?.({ step: 'flow_failed', params: { error_code: error.code }, error: error.message })
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
    leave: (url) => methods.leave(url),
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
  const methods = createFlowMethods(ctx, page, layers, loaded.session, restored)
  ctx.signIn = methods.api
  if (cfg.autoRefresh) platform.onVisible(tokens.refreshIfDue)

  // The proactive refresh: an optimisation only (browsers throttle timers); reads refresh anyway.
  let cancelTimer: () => void = () => undefined
  function show(session: Session | null, error: AuthError | null = null): void {
    page.show(session, error)
    methods.prefetchNextStep(session !== null)
    cancelTimer()
    if (cfg.autoRefresh && session?.refreshToken !== undefined && session.expiresAt !== null) {
      const delay = Math.max(refreshAt(session, cfg.refreshLeeway * 1000) - platform.now(), 1000)
      cancelTimer = platform.setTimer(tokens.refreshIfDue, delay)
    }
  }
  listenToOtherTabs(ctx, page, () => {
    // The other tab deleted the DPoP key with its session; a later sign-in here makes a new one.
    loaded.forgetKey()
    protocolParts().keys?.forget()
  })

  return {
    ...methods.api,
    handleRedirect: (url) => methods.settleCallback(handleRedirect(url)),
    getAccessToken: async ({ api, forceRefresh } = {}) =>
      api === undefined
        ? (await tokens.validSession(forceRefresh)).accessToken
        : tokens.apiToken(api, forceRefresh),
    authFetch(input, init) {
      const call = tokens.authFetch(input, init)
      methods.noteCall(call)
      return call
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
