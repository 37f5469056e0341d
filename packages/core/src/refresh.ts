// Refresh on read: one token request per tab (single flight) and per browser (Web Lock + re-read).
import { AuthError } from './errors.js'
import type { Session, SessionStore } from './session.js'

/** Whether `session`'s access token expires within `leewayMs` (or already has). */
export function needsRefresh(session: Session, now: number, leewayMs: number): boolean {
  return session.expiresAt !== null && now >= session.expiresAt - leewayMs
}

/** Whether `session`'s access token has expired (no leeway). */
export function isExpired(session: Session, now: number): boolean {
  return session.expiresAt !== null && now >= session.expiresAt
}

/** What a successful refresh-token grant produced, already validated by oauth4webapi. */
export type RefreshGrant = (refreshToken: string, previous: Session) => Promise<Session>

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
 */
export function createRefresher(
  deps: RefresherDeps,
): (options?: RefreshOptions) => Promise<Session> {
  let inflight: Promise<Session> | undefined

  async function run(rejected: string | undefined): Promise<Session> {
    return deps.withLock(async () => {
      const session = await deps.sessions.load()
      if (session === null) {
        deps.onAdopted(null)
        throw new AuthError(
          'login_required',
          'No user is signed in (another tab may have signed out).',
        )
      }
      const usable =
        session.accessToken !== rejected && !needsRefresh(session, deps.now(), deps.leewayMs)
      if (usable) {
        deps.onAdopted(session)
        return session
      }
      if (session.refreshToken === undefined) {
        if (session.accessToken !== rejected && !isExpired(session, deps.now())) return session
        throw await end(
          new AuthError(
            'session_expired',
            'The access token has expired and there is no refresh token. Please sign in again.',
          ),
        )
      }
      let next: Session
      try {
        next = await deps.grant(session.refreshToken, session)
      } catch (error) {
        if (error instanceof AuthError && error.code === 'session_expired') throw await end(error)
        // Transient failures keep the session; a token that still works is better than an error.
        if (session.accessToken !== rejected && !isExpired(session, deps.now())) return session
        throw error
      }
      await deps.sessions.save(next)
      deps.onRefreshed(next)
      return next
    })
  }

  async function end(error: AuthError): Promise<AuthError> {
    await deps.sessions.clear()
    deps.onEnded(error)
    return error
  }

  return (options = {}) => {
    inflight ??= run(options.rejected).finally(() => {
      inflight = undefined
    })
    return inflight
  }
}
