// The page's first look at storage: the session and its DPoP key in one read (one IndexedDB
// transaction), and none at all when the signed-in marker says nobody is signed in.
import type { AuthContext } from './context.js'
import { getManyRetrying } from './kv.js'
import { isExpired } from './refresh.js'
import type { Session } from './session.js'

/**
 * The signed-in marker (`platform.flags`, not secret): {@link SIGNED_IN} from a sign-in until
 * the session ends, {@link SIGNED_OUT} after that, or after a load found no session. Absent (a
 * first visit, or a marker of Latchkey 0.1, which only wrote it for the silent restore), the
 * load reads storage and sets it.
 */
export const SIGNED_IN = 1
/** See {@link SIGNED_IN}. */
export const SIGNED_OUT = 0

/** What the page found on load. */
export interface Restored {
  /** The marker as the page found it ({@link SIGNED_IN}, {@link SIGNED_OUT} or `undefined`). */
  marker: Promise<unknown>
  /** The session kept by an earlier page, or `null`; never rejects. */
  session: Promise<Session | null>
  /**
   * The stored DPoP key as the read found it, handed out once (see `DpopKeyParts.restored`);
   * `undefined` when there is none to hand out.
   */
  takeKey(): Promise<unknown> | undefined
  /** Drops the key read on load: another tab deleted it. */
  forgetKey(): void
}

/**
 * Reads the marker (localStorage, synchronous underneath), then, unless it says nobody is signed
 * in, the session and its key. `likely` is called as soon as the marker says someone is, so that
 * the protocol layer's download overlaps the read.
 * @param markerKey the marker's key in `platform.flags`.
 */
export function restoreOnLoad(ctx: AuthContext, markerKey: string, likely: () => void): Restored {
  const { platform, sessions, scopeKey } = ctx
  const marker = platform.flags.get(markerKey).catch(() => undefined)
  let key: Promise<unknown> | undefined
  const session = (async () => {
    const seen = await marker
    if (seen === SIGNED_IN) likely()
    if (!sessions.shared || seen === SIGNED_OUT) return null
    let session: Session | null
    try {
      const [stored, storedKey] = await getManyRetrying(platform.storage, [
        `${scopeKey}:session`,
        `${scopeKey}:dpop-key`,
      ])
      key = Promise.resolve(storedKey)
      session = await sessions.accept(stored)
      // The marker catches up with storage, so that the next load can skip the read.
      if (session === null && seen === undefined) ctx.mark(false)
    } catch {
      // Read again alone: a session whose key cannot be read is still the user's (its calls then
      // fail with storage_unavailable, and a later one may read the key).
      session = await sessions.load()
    }
    if (session !== null && seen !== SIGNED_IN) ctx.mark(true)
    if (session?.refreshToken === undefined && session && isExpired(session, platform.now())) {
      await sessions.clear()
      return null
    }
    return session
  })().catch(() => null)
  return {
    marker,
    session,
    takeKey() {
      const taken = key
      key = undefined
      return taken
    },
    forgetKey() {
      key = undefined
    },
  }
}
