// Refresh on read: one token request per tab (single flight) and per browser (Web Lock + re-read).
import { AuthError } from './errors.js'
import type { ApiToken, Session, SessionStore } from './session.js'

/**
 * When an access token (a session's, or one of its `apis`') is due for refresh: `leewayMs` before
 * it expires, but never earlier than half its lifetime, so that tokens living no longer than the
 * leeway are not refreshed on every read.
 */
export function refreshAt(token: ApiToken, leewayMs: number): number {
  const expiresAt = token.expiresAt ?? Number.POSITIVE_INFINITY
  return expiresAt - Math.min(leewayMs, (expiresAt - token.issuedAt) / 2)
}

/** Whether an access token is due for refresh (see {@link refreshAt}). */
export function needsRefresh(token: ApiToken, now: number, leewayMs: number): boolean {
  return now >= refreshAt(token, leewayMs)
}

/** Whether an access token has expired (no leeway). */
export function isExpired(token: ApiToken, now: number): boolean {
  return token.expiresAt !== null && now >= token.expiresAt
}

/**
 * Whether a failed refresh leaves the grant alive, so the session is kept and a later read may try
 * again: the request did not complete (network, timeout, storage), the server was unavailable
 * (5xx, 408, 429), or it refused what an `apis` entry asked for (`config_invalid`). A refused DPoP proof is kept too: the grant is fine and the proof can be made
 * again (a device clock far off is the usual cause). Anything else, `invalid_grant`,
 * `invalid_client`, `invalid_scope` or a 200 response that failed validation (its refresh token
 * already rotated), ends the session: sending the same refresh token again cannot succeed.
 */
function keepsSession(error: AuthError): boolean {
  const status = error.status ?? 0
  return (
    [
      'network_error',
      'timeout',
      'discovery_failed',
      'storage_unavailable',
      'config_invalid',
    ].includes(error.code) ||
    status >= 500 ||
    status === 408 ||
    status === 429 ||
    error.error === 'invalid_dpop_proof' ||
    error.error === 'use_dpop_nonce'
  )
}

/** How long to wait after the nth failed refresh in a row before trying again: 1 s, 2 s, ... 60 s. */
const backoffMs = (failures: number) => Math.min(1000 * 2 ** (failures - 1), 60_000)

/** What a successful refresh-token grant produced, already validated by oauth4webapi. */
type RefreshGrant = (refreshToken: string, previous: Session) => Promise<Session>

/** What {@link createRefresher} needs. */
export interface RefresherDeps {
  sessions: SessionStore
  /** Runs `task` under the cross-tab lock. */
  withLock<T>(task: () => Promise<T>): Promise<T>
  now(): number
  leewayMs: number
  /** Sends the refresh-token grant and returns the new session (or throws an AuthError). */
  grant: RefreshGrant
  /** Another tab's session was found fresher than ours and adopted. */
  onAdopted(session: Session | null): void
  /** This tab refreshed; the new session is saved. */
  onRefreshed(session: Session): void
  /** The session cannot continue (`session_expired`): it is cleared and the app told. */
  onEnded(error: AuthError): void
  /**
   * The token this refresher keeps fresh: one of the session's `apis` (protocol/apiTokens.ts), or,
   * without `pick`, the session's own access token. `undefined` when there is none yet.
   */
  pick?(session: Session): ApiToken | undefined
  /**
   * Calls `callback` when a back-off should end early: the network is back, or the page is shown
   * again (a phone back from a tunnel must not wait out a minute's back-off).
   */
  onRetry(callback: () => void): void
}

/** Options of one refresh. */
export interface RefreshOptions {
  /**
   * The access token an API just rejected. A stored token other than this one is taken as
   * another tab's refresh and reused; this one is never returned again.
   */
  rejected?: string
}

/**
 * Returns `refresh()`: concurrent calls in this tab share one promise; across tabs the Web Lock
 * serialises them, and inside it the stored session is re-read so a tab that waited reuses the
 * token the first tab obtained instead of spending the rotated refresh token a second time.
 * Failures that keep the session back off (1 s, doubling to 60 s) instead of sending one doomed
 * request per read, until `onRetry` calls back.
 */
export function createRefresher(
  deps: RefresherDeps,
): (options?: RefreshOptions) => Promise<Session> {
  let inflight: Promise<Session> | undefined
  // The last failure that kept the session, for the refresh token it was made with.
  let failed: { token: string; error: AuthError; count: number; retryAt: number } | undefined
  deps.onRetry(() => {
    failed = undefined
  })

  async function run(rejected: string | undefined): Promise<Session> {
    return deps.withLock(async () => {
      // Strict: a copy other tabs may have rotated is never refreshed unread (session.ts).
      const session = await deps.sessions.load(true)
      if (session === null) {
        deps.onAdopted(null)
        throw new AuthError(
          'login_required',
          'No user is signed in (another tab may have signed out).',
        )
      }
      const token = deps.pick ? deps.pick(session) : session
      const stillValid =
        token !== undefined && token.accessToken !== rejected && !isExpired(token, deps.now())
      if (stillValid && !needsRefresh(token, deps.now(), deps.leewayMs)) {
        deps.onAdopted(session)
        return session
      }
      const refreshToken = session.refreshToken
      if (refreshToken === undefined) {
        if (stillValid) return session
        throw await end(
          new AuthError(
            'session_expired',
            'The access token has expired and there is no refresh token. Please sign in again.',
          ),
        )
      }
      if (failed?.token === refreshToken && deps.now() < failed.retryAt) {
        if (stillValid) return session
        throw failed.error
      }
      let next: Session
      try {
        next = await deps.grant(refreshToken, session)
      } catch (caught) {
        const error =
          caught instanceof AuthError
            ? caught
            : new AuthError('token_request_failed', 'The token refresh failed.', { cause: caught })
        if (!keepsSession(error)) throw await end(error)
        const count = failed?.token === refreshToken ? failed.count + 1 : 1
        failed = { token: refreshToken, error, count, retryAt: deps.now() + backoffMs(count) }
        // A token that still works is better than an error.
        if (stillValid) return session
        throw error
      }
      failed = undefined
      // A sign-in (or another refresh) may have replaced the session meanwhile, e.g. in a browser
      // without Web Locks: the newer session wins, this grant's tokens are dropped.
      const latest = await deps.sessions.load()
      if (latest?.refreshToken !== refreshToken) {
        deps.onAdopted(latest)
        if (latest === null) throw new AuthError('login_required', 'No user is signed in.')
        return latest
      }
      await deps.sessions.save(next)
      deps.onRefreshed(next)
      return next
    })
  }

  async function end(error: AuthError): Promise<AuthError> {
    const ended =
      error.code === 'session_expired'
        ? error
        : new AuthError(
            'session_expired',
            `The session was ended (${error.message}) Please sign in again.`,
            {
              ...(error.error === undefined ? {} : { error: error.error }),
              ...(error.error_description === undefined
                ? {}
                : { errorDescription: error.error_description }),
              ...(error.status === undefined ? {} : { status: error.status }),
              cause: error,
            },
          )
    await deps.sessions.clear()
    deps.onEnded(ended)
    return ended
  }

  return (options = {}) => {
    inflight ??= run(options.rejected).finally(() => {
      inflight = undefined
    })
    return inflight
  }
}
