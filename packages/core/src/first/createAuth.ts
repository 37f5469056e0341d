// createAuth(): the wiring of one client. The flows live in their own modules: the authorization
// request, the callback, popup and silent sign-in, refresh, logout. What a page does not need on
// load (the authorization request, the callback's exchange, logout, popup and silent sign-in) is
// imported on demand, so an app's bundler serves it as separate chunks; those modules take what
// they share with the first load from `kit` (kit.ts says why).
import * as oauth from 'oauth4webapi'
import { createDiscovery } from '../protocol/discovery.js'
import { DpopKeys } from '../protocol/dpop.js'
import type { Inspector } from '../protocol/events.js'
import { kit } from '../protocol/kit.js'
import { toAuthError } from '../protocol/toAuthError.js'
import { refreshGrant } from '../protocol/tokenEndpoint.js'
import type { Auth, RedirectResult } from './auth.js'
import { createAuthFetch } from './authFetch.js'
import { isCallbackUrl, stripCallbackParams } from './callbackUrl.js'
import { type AuthConfig, type ResolvedConfig, resolveConfig } from './config.js'
import type { AuthContext } from './context.js'
import { AuthError, isAuthError } from './errors.js'
import { withFallback } from './kv.js'
import { browserPlatform, type Platform } from './platform.js'
import { openPopupNow } from './popupWindow.js'
import { createRefresher, isExpired, needsRefresh, refreshAt } from './refresh.js'
import { serverAuth } from './serverAuth.js'
import { type Session, SessionStore } from './session.js'
import { SIGNED_OUT, StateStore } from './state.js'

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

function browserAuth(cfg: ResolvedConfig, platform: Platform): Auth {
  // The flow's events (onEvent), loaded on demand and only when asked for: every request goes
  // through the inspector's fetch, and the flows report the other steps through `emit`. Without
  // its module (a failed load) the SDK works on, silently.
  const { onEvent, multiTenant } = cfg
  // Delegated, never copied: a class-based Platform keeps its prototype's methods, and they run on
  // the object itself (private fields included) also when the SDK passes one on alone.
  const given = platform
  const delegate = (fetch?: Platform['fetch']): Platform =>
    new Proxy(given, {
      get(target, key: keyof Platform) {
        const value = (key === 'fetch' && fetch) || target[key]
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  platform = delegate()
  let emit: AuthContext['emit']
  if (onEvent) {
    const bound = platform
    const inspector: Promise<Partial<Inspector> & Pick<Inspector, 'fetch'>> = import(
      '../protocol/events.js'
    ).then(
      (module) => module.inspector(onEvent, bound),
      () => bound,
    )
    platform = delegate(async (input, init) => (await inspector).fetch(input, init))
    emit = (event) => void inspector.then((inspector) => inspector.emit?.(event))
  }
  const client: oauth.Client = {
    client_id: cfg.clientId,
    [oauth.clockTolerance]: cfg.clockTolerance,
  }
  const scopeKey = `latchkey:${cfg.issuer.href}:${cfg.clientId}`
  const markerKey = `${scopeKey}:signed-in`
  // A page keeps its origin for its life (history.pushState cannot change it).
  let allowedOrigins: readonly string[] | undefined

  // Storage problems are reported once, through the console and the state, never thrown.
  // The warning stays in the state's `error` (status unchanged) while the tab runs degraded.
  let storageWarning: AuthError | null = null
  function reportStorage(error: AuthError): void {
    if (storageWarning !== null) return
    storageWarning = error
    platform.warn(`[latchkey] storage_unavailable: ${error.message}`)
    store.set({ ...store.get(), error })
  }
  const transactionStorage = withFallback(platform.storage, platform.tabStorage, (cause) =>
    reportStorage(
      new AuthError(
        'storage_unavailable',
        'IndexedDB is unavailable; login transactions use sessionStorage and sessions stay in memory.',
        { cause },
      ),
    ),
  )
  const keys = new DpopKeys(
    platform.storage,
    `${scopeKey}:dpop-key`,
    (task) => platform.withLock(`${scopeKey}:dpop-key`, task),
    client,
  )
  // 'auto' persists only sessions whose refresh token is DPoP-bound (even with a Bearer access
  // token, RFC 9449 section 5): a Bearer token copied out of IndexedDB works anywhere, a bound one
  // only with the key that script cannot export. A bound session whose key could not be stored is
  // not persisted either: it would be useless after a reload.
  const sessions = new SessionStore(
    platform.storage,
    `${scopeKey}:session`,
    cfg.storage !== 'memory',
    (session) => (session.dpopJkt !== undefined ? keys.persistent : cfg.storage === 'indexeddb'),
    reportStorage,
  )
  // The callback page is `loading` until handleRedirect() settles (see settleCallback).
  const onCallback = isCallbackUrl(platform.currentUrl(), cfg.redirectUrl)
  let holding = onCallback
  const store = new StateStore(
    sessions.shared || cfg.silentLogin !== false || onCallback
      ? { ...SIGNED_OUT, status: 'loading' }
      : SIGNED_OUT,
  )
  const channel = platform.openChannel(scopeKey)

  // The proactive refresh: an optimisation only (browsers throttle timers); reads refresh anyway.
  let cancelTimer: () => void = () => undefined
  function show(session: Session | null, error: AuthError | null = null): void {
    store.set(
      session === null
        ? { ...SIGNED_OUT, error: error ?? storageWarning }
        : {
            status: 'authenticated',
            user: session.user,
            error: storageWarning,
            expiresAt: session.expiresAt,
            refreshedAt: session.refreshedAt,
            refreshedBy: session.refreshedBy,
            dpop: session.tokenType === 'dpop',
            silent: session.silent === true,
          },
    )
    // The code of the next step a user can take (logout when signed in, else the sign-in) is
    // fetched in the background, while the deploy that served the page is still the one online:
    // the click then needs no download. Not at once: a second later, and once the first API call
    // has answered (on a cold load what the user waits for, which the download would slow), and
    // never for a logout's page that leaves for the end-session endpoint, which would not use it.
    platform.setTimer(async () => {
      await firstCall
      await loggingOut
      if (!leaving) {
        ;(session
          ? import('../flows/logout.js')
          : import('../flows/authorizationRequest.js')
        ).catch(() => undefined)
      }
    }, 1000)
    cancelTimer()
    if (cfg.autoRefresh && session?.refreshToken !== undefined && session.expiresAt !== null) {
      const delay = Math.max(refreshAt(session, cfg.refreshLeeway * 1000) - platform.now(), 1000)
      cancelTimer = platform.setTimer(refreshInBackground, delay)
    }
  }
  // The first authFetch(), settled either way: what background downloads wait for.
  let firstCall: Promise<unknown> | undefined
  function refreshInBackground(): void {
    const session = sessions.current
    if (!platform.isVisible() || session === null) return
    if (needsRefresh(session, platform.now(), cfg.refreshLeeway * 1000)) {
      refresh().catch(() => undefined) // failures show in the state; the next read tries again
    }
  }
  if (cfg.autoRefresh) platform.onVisible(refreshInBackground)

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

  const ctx: AuthContext = {
    cfg,
    platform,
    client,
    scopeKey,
    tabId: oauth.generateRandomState().slice(0, 8),
    discover: createDiscovery({
      ...cfg,
      fetch: platform.fetch,
      required: ['authorization_endpoint', 'token_endpoint'],
      // Only apps that sign in through a multi-tenant issuer load its check.
      acceptTenants: multiTenant
        ? async (as, issuer) =>
            (await load(import('../protocol/multiTenant.js'), 'Discovery')).acceptTenants(
              as,
              issuer,
              multiTenant,
              oauth._expectedIssuer,
              AuthError,
            )
        : undefined,
    }),
    keys,
    sessions,
    transactionStorage,
    withRefreshLock: (task) => platform.withLock(`${scopeKey}:refresh`, task),
    show,
    fail(error) {
      const session = sessions.current
      if (session === null) {
        store.set({ ...SIGNED_OUT, status: 'error', error })
      } else {
        show(session)
        store.set({ ...store.get(), error })
      }
      throw error
    },
    loading: () => store.set({ ...store.get(), status: 'loading' }),
    tell: (type) => channel?.post({ type, tabId: ctx.tabId }),
    kit,
    emit,
    leave(url) {
      leaving = true
      platform.navigate(url)
    },
    mark(signedIn) {
      if (signedIn && cfg.silentLogin === false) return
      const flags = platform.flags
      void (signedIn ? flags.set(markerKey, 1) : flags.del(markerKey)).catch(() => undefined)
    },
  }
  const { fail, tell } = ctx

  const refresh = createRefresher({
    sessions,
    withLock: ctx.withRefreshLock,
    now: platform.now,
    leewayMs: cfg.refreshLeeway * 1000,
    grant: (refreshToken, previous) => refreshGrant(ctx, refreshToken, previous),
    onAdopted: (session) => show(session),
    onRefreshed: (session) => {
      show(session)
      tell('refresh')
    },
    onEnded: (error) => {
      show(null, error)
      tell('session_expired')
      ctx.mark(false)
    },
    onRetry: (retry) => {
      platform.onOnline?.(retry)
      platform.onVisible(retry)
    },
  })

  channel?.subscribe((message) => {
    if (message.tabId === ctx.tabId) return
    const ending = message.type === 'logout' || message.type === 'session_expired'
    const ended =
      message.type === 'session_expired'
        ? new AuthError(
            'session_expired',
            'The session ended in another tab. Please sign in again.',
          )
        : null
    // The other tab deleted the DPoP key with its session; a later sign-in here makes a new one.
    if (message.type === 'logout') keys.forget()
    // Storage is the truth for stored sessions (a late message must not wipe a newer sign-in); a
    // session in this tab's memory only ends with the others.
    void sessions.load().then(async (session) => {
      if (ending && session !== null && !sessions.stored) await sessions.clear()
      const now = sessions.current
      if (!holding) show(now, now === null ? ended : null)
    })
  })

  // Restoring a persisted session needs no network: a read from IndexedDB, nothing else.
  const ready = (async () => {
    if (!sessions.shared) return null
    const session = await sessions.load()
    if (session?.refreshToken === undefined && session && isExpired(session, platform.now())) {
      await sessions.clear()
      return null
    }
    return session
  })()
  // Then, when nothing was kept but this browser was signed in before, one silent sign-in. Its
  // code failing to load settles the state too (`network_error`): nothing waits for ever.
  const restored = ready
    .then(async (session) => {
      if (
        onCallback ||
        (session === null &&
          cfg.silentLogin !== false &&
          (await platform.flags.get(markerKey).catch(() => undefined)) !== undefined &&
          (await (
            await load(import('../flows/silentLogin.js'), 'The silent sign-in on load')
          ).restoreSilently(ctx)))
      ) {
        return
      }
      show(sessions.current ?? session)
    })
    .catch(() => undefined)

  // On the callback page the state stays `loading` until handleRedirect() settles, whatever other
  // tabs report meanwhile: an app that answers "not loading and signed out" with login() must not
  // leave for the server in the middle of the exchange. A page that only relayed the response to
  // the window that started the sign-in (handleRedirect() resolved `null` there) then starts no
  // login: in a hidden iframe that would be a full, visible login.
  let relayed = false
  function settleCallback(result: Promise<RedirectResult | null>): Promise<RedirectResult | null> {
    if (onCallback) {
      void result
        .catch(() => undefined)
        .then(async (done) => {
          relayed = done === null
          await restored
          holding = false
          if (store.get().status === 'loading') show(sessions.current)
        })
    }
    return result
  }

  /**
   * A module loaded on demand. Failing to load it (offline, or a deploy that replaced the app's
   * chunks) is a `network_error`, shown in the state like any other failure.
   */
  function load<T>(module: Promise<T>, what: string): Promise<T> {
    return module.catch((error: unknown) => fail(toAuthError(error, 'network_error', what)))
  }

  /** Runs `flow` after the restore; a failure is an AuthError, and shown in the state. */
  async function run(flow: () => Promise<void>, what: string): Promise<void> {
    await ready
    try {
      await flow()
    } catch (error) {
      fail(toAuthError(error, 'discovery_failed', what))
    }
  }

  // One promise per callback URL (before and after cleanup), so repeated calls share one exchange.
  const redirects = new Map<string, Promise<RedirectResult | null>>()
  function handleRedirect(input?: string | URL): Promise<RedirectResult | null> {
    const page = platform.currentUrl()
    let url: URL
    try {
      url = input === undefined ? page : new URL(String(input), page)
    } catch {
      return Promise.reject(
        new AuthError('invalid_argument', 'handleRedirect() was given an invalid URL.'),
      )
    }
    const known = redirects.get(url.href)
    if (known !== undefined) return known
    if (!isCallbackUrl(url, cfg.redirectUrl)) return Promise.resolve(null)

    const cleaned = stripCallbackParams(url)
    const result = (async () => {
      // Fetched while the session is restored.
      const callback = await load(import('../flows/callback.js'), 'handleRedirect()')
      // In a popup or iframe, the response goes back to the window that started the sign-in.
      const relay = await callback.relayOf(ctx, url)
      if (relay !== undefined) {
        ;(await load(import('../flows/relay.js'), 'handleRedirect()')).sendRelay(
          url,
          relay,
          scopeKey,
        )
        return null
      }
      await ready
      return callback.completeCallback(ctx, url)
    })().finally(() => {
      // Success or failure, the code and state leave the address bar without a new history entry.
      if (platform.currentUrl().href === url.href) platform.replaceUrl(cleaned)
    })
    redirects.set(url.href, result)
    redirects.set(cleaned, result)
    return result
  }

  /** The session with an access token that is valid for at least the leeway. */
  async function validSession(forceRefresh = false): Promise<Session> {
    await restored
    const session = sessions.current
    if (session === null) {
      throw new AuthError('login_required', 'No user is signed in: call login() first.')
    }
    if (forceRefresh) return refresh({ rejected: session.accessToken })
    if (needsRefresh(session, platform.now(), cfg.refreshLeeway * 1000)) return refresh()
    return session
  }

  /**
   * The DPoP key of `session`'s access token, or `undefined` for a Bearer one. A session whose key
   * is gone is ended in every tab.
   */
  async function accessKey(session: Session): Promise<oauth.DPoPHandle | undefined> {
    if (session.tokenType !== 'dpop') return undefined
    try {
      return await keys.forSession(session.dpopJkt as string)
    } catch (error) {
      if (isAuthError(error, 'session_expired')) {
        await ctx.withRefreshLock(async () => {
          if ((await sessions.load())?.dpopJkt === session.dpopJkt) await sessions.clear()
        })
        show(sessions.current, error)
        tell('session_expired')
      }
      throw error
    }
  }

  const sendWithToken = createAuthFetch({
    fetch: platform.fetch,
    base: platform.currentUrl,
    allowedOrigins: () => (allowedOrigins ??= [platform.currentUrl().origin, ...cfg.apiOrigins]),
    credentials: async (rejected) => {
      const session = rejected === undefined ? await validSession() : await refresh({ rejected })
      // A DPoP-bound token is only ever sent with a proof from its own key, never as Bearer.
      return { token: session.accessToken, dpop: await accessKey(session) }
    },
  })

  return {
    login: (options = {}) =>
      run(async () => {
        await loggingOut
        if (leaving || relayed) return
        const request = await load(import('../flows/authorizationRequest.js'), 'login()')
        platform.navigate((await request.startAuthorization(ctx, options)).url)
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
        const flow = load(import('../flows/popup.js'), 'loginWithPopup()')
        flow.catch(() => popup.close())
        await (await flow).popupLogin(ctx, popup, options)
      }, 'loginWithPopup()')
    },
    loginSilently: (options = {}) =>
      run(
        async () =>
          (await load(import('../flows/silentLogin.js'), 'loginSilently()')).silentLogin(
            ctx,
            options,
          ),
        'loginSilently()',
      ),
    handleRedirect: (url) => settleCallback(handleRedirect(url)),
    getAccessToken: async (options = {}) => (await validSession(options.forceRefresh)).accessToken,
    authFetch(input, init) {
      const call = sendWithToken(input, init)
      firstCall ??= call.catch(() => undefined)
      return call
    },
    logout: async (options = {}) => {
      await restored
      const done = (async () =>
        (await load(import('../flows/logout.js'), 'logout()')).logout(ctx, options))()
      loggingOut = done.catch(() => undefined)
      await done
    },
    getState: () => store.get(),
    subscribe: (listener) => store.subscribe(listener),
    tabId: ctx.tabId,
  }
}
