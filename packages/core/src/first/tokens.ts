// The access token a call is made with: the session's, refreshed when due (refresh.ts), and
// authFetch() built on it. What talks to the server comes from the protocol layer.
import type * as oauth from 'oauth4webapi'
import type { ApiTokens } from '../protocol/apiTokens.js'
import { type AuthFetch, createAuthFetch, type SendWithToken } from './authFetch.js'
import type { AuthContext } from './context.js'
import { AuthError, isAuthError } from './errors.js'
import type { Layers } from './layers.js'
import { createRefresher, needsRefresh, type RefresherDeps } from './refresh.js'
import type { Session } from './session.js'

/** What {@link createTokens} returns. */
export interface Tokens {
  /** The session with an access token valid for at least the leeway (`forceRefresh`: a new one). */
  validSession(forceRefresh?: boolean): Promise<Session>
  /** Refreshes the access token now, when it is due (the proactive refresh). */
  refreshIfDue(): void
  /** The access token for `api`, one of the `apis` (an origin or a resource). */
  apiToken(api: string, forceRefresh?: boolean): Promise<string>
  authFetch: AuthFetch
}

/**
 * @param restored settles once the session kept by an earlier page is restored.
 */
export function createTokens(ctx: AuthContext, layers: Layers, restored: Promise<unknown>): Tokens {
  const { cfg, platform, sessions } = ctx
  const leewayMs = cfg.refreshLeeway * 1000
  const deps: Omit<RefresherDeps, 'grant'> = {
    sessions,
    withLock: ctx.withRefreshLock,
    now: platform.now,
    leewayMs,
    onAdopted: (session) => ctx.show(session),
    onRefreshed: (session) => {
      ctx.show(session)
      ctx.tell('refresh')
    },
    onEnded: (error) => {
      ctx.show(null, error)
      ctx.tell('session_expired')
      ctx.mark(false)
    },
    onRetry: (retry) => {
      platform.onOnline?.(retry)
      platform.onVisible(retry)
    },
  }
  const refresh = createRefresher({
    ...deps,
    grant: async (refreshToken, previous) => {
      const { module, ctx: withProtocol } = await layers.protocol()
      return module.refreshGrant(withProtocol, refreshToken, previous)
    },
  })
  // The `apis`' tokens load on demand, for the apps that have them, after the stored session.
  let apis: Promise<ApiTokens> | undefined
  const apiTokens = async () => {
    await restored
    const { module, ctx: withProtocol } = await layers.protocol()
    apis ??= module
      .apiTokens(withProtocol, {
        refresher: (grant, pick) => createRefresher({ ...deps, grant, pick }),
        needsRefresh,
        leewayMs,
      })
      .catch((error: unknown) => {
        apis = undefined
        throw error
      })
    return apis
  }

  async function validSession(forceRefresh = false): Promise<Session> {
    await restored
    const session = sessions.current
    if (session === null) {
      throw new AuthError('login_required', 'No user is signed in: call login() first.')
    }
    if (forceRefresh) return refresh({ rejected: session.accessToken })
    if (needsRefresh(session, platform.now(), leewayMs)) return refresh()
    return session
  }

  /**
   * The DPoP key of `session`'s access token, or `undefined` for a Bearer one. A session whose key
   * is gone is ended in every tab.
   */
  async function accessKey(session: Session): Promise<oauth.DPoPHandle | undefined> {
    if (session.tokenType !== 'dpop') return undefined
    try {
      return await (await layers.protocol()).ctx.keys.forSession(session.dpopJkt as string)
    } catch (error) {
      if (isAuthError(error, 'session_expired')) {
        await ctx.withRefreshLock(async () => {
          if ((await sessions.load())?.dpopJkt === session.dpopJkt) await sessions.clear()
        })
        ctx.show(sessions.current, error)
        ctx.tell('session_expired')
      }
      throw error
    }
  }

  // A page keeps its origin for its life (history.pushState cannot change it).
  let allowedOrigins: readonly string[] | undefined
  let send: SendWithToken | undefined
  const authFetch = createAuthFetch({
    base: platform.currentUrl,
    allowedOrigins: () =>
      (allowedOrigins ??= [
        platform.currentUrl().origin,
        ...cfg.apiOrigins,
        ...cfg.apis.map((api) => api.origin),
      ]),
    credentials: async (rejected, url) => {
      // An API of `apis` gets its own token, never the session's.
      const session = cfg.apis.some((api) => api.origin === url.origin)
        ? await (await apiTokens()).get(url.origin, rejected)
        : rejected === undefined
          ? await validSession()
          : await refresh({ rejected })
      // A DPoP-bound token is only ever sent with a proof from its own key, never as Bearer.
      return { token: session.accessToken, dpop: await accessKey(session) }
    },
    send: () =>
      send ??
      layers.protocol().then(({ module }) => (send = module.createSender(platform.fetch, ctx))),
  })

  return {
    validSession,
    refreshIfDue() {
      const session = sessions.current
      if (!platform.isVisible() || session === null) return
      if (needsRefresh(session, platform.now(), leewayMs)) {
        refresh().catch(() => undefined) // failures show in the state; the next read tries again
      }
    },
    apiToken: async (api, forceRefresh) =>
      (await (await apiTokens()).get(api, forceRefresh)).accessToken,
    authFetch,
  }
}
