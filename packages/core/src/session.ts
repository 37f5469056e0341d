// The signed-in session: tokens and the user's claims, kept in memory and, when asked, in IndexedDB.
import type { IDToken, TokenEndpointResponse } from 'oauth4webapi'
import { AuthError } from './errors.js'
import type { KeyValueStore } from './lib/kv.js'
import type { User } from './state.js'

/** What the SDK keeps for a signed-in user. */
export interface Session {
  accessToken: string
  /** Lowercase token type from the token response, e.g. `bearer`. */
  tokenType: string
  /** Milliseconds since the epoch; `null` when the server gave no `expires_in`. */
  expiresAt: number | null
  refreshToken?: string
  idToken?: string
  scope?: string
  user: User | null
  /** When the tokens were last refreshed, and by which tab; `null` until the first refresh. */
  refreshedAt: number | null
  refreshedBy: string | null
}

/** Builds a session from a token response that oauth4webapi has already validated. */
export function sessionFromTokenResponse(
  response: TokenEndpointResponse,
  claims: IDToken | undefined,
  now: number,
  previous?: Session,
): Session {
  const session: Session = {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : null,
    user: claims ? { ...claims, sub: claims.sub } : (previous?.user ?? null),
    refreshedAt: previous?.refreshedAt ?? null,
    refreshedBy: previous?.refreshedBy ?? null,
  }
  // A refresh response may omit what did not change: keep the previous refresh and ID tokens.
  const refreshToken = response.refresh_token ?? previous?.refreshToken
  const idToken = response.id_token ?? previous?.idToken
  const scope = response.scope ?? previous?.scope
  if (refreshToken !== undefined) session.refreshToken = refreshToken
  if (idToken !== undefined) session.idToken = idToken
  if (scope !== undefined) session.scope = scope
  return session
}

/** Whether `value` is a well-formed stored session (IndexedDB may hold anything). */
export function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string'
  const nullableNumber = (v: unknown) => v === null || typeof v === 'number'
  const user = s.user as Record<string, unknown> | null
  return (
    typeof s.accessToken === 'string' &&
    s.accessToken !== '' &&
    typeof s.tokenType === 'string' &&
    nullableNumber(s.expiresAt) &&
    optionalString(s.refreshToken) &&
    optionalString(s.idToken) &&
    optionalString(s.scope) &&
    (user === null || (typeof user === 'object' && typeof user.sub === 'string')) &&
    nullableNumber(s.refreshedAt) &&
    (s.refreshedBy === null || typeof s.refreshedBy === 'string')
  )
}

/**
 * Holds the session in memory and, when `persist` is on, mirrors it to IndexedDB so that a reload
 * or another tab finds it. Storage failures never reach the app: the store falls back to memory
 * and calls `onStorageError` once.
 */
export class SessionStore {
  #current: Session | null = null
  #persist: boolean
  readonly #kv: KeyValueStore
  readonly #key: string
  readonly #onStorageError: (error: AuthError) => void
  #reported = false

  constructor(
    kv: KeyValueStore,
    key: string,
    persist: boolean,
    onStorageError: (error: AuthError) => void,
  ) {
    this.#kv = kv
    this.#key = key
    this.#persist = persist
    this.#onStorageError = onStorageError
  }

  /** The session this tab holds now. */
  get current(): Session | null {
    return this.#current
  }

  /** Whether sessions are written to IndexedDB (false in memory mode or after a failure). */
  get persistent(): boolean {
    return this.#persist
  }

  /**
   * Reads the stored session (the one other tabs may have written) into this tab. In memory mode
   * this is the tab's own session.
   */
  async load(): Promise<Session | null> {
    if (!this.#persist) return this.#current
    let stored: unknown
    try {
      stored = await this.#kv.get(this.#key)
    } catch (error) {
      this.#degrade('could not be read', error)
      return this.#current
    }
    if (stored === undefined) {
      this.#current = null
    } else if (isSession(stored)) {
      this.#current = stored
    } else {
      // Unreadable data is discarded and reported; storage itself still works, so keep using it.
      this.#current = null
      this.#report('held unreadable data, which was discarded', undefined)
      try {
        await this.#kv.del(this.#key)
      } catch (error) {
        this.#degrade('could not be cleared', error)
      }
    }
    return this.#current
  }

  /** Replaces the session, in memory at once and then in IndexedDB. */
  async save(session: Session): Promise<void> {
    this.#current = session
    if (!this.#persist) return
    try {
      await this.#kv.set(this.#key, session)
    } catch (error) {
      this.#degrade('could not be written', error)
    }
  }

  /** Forgets the session everywhere. */
  async clear(): Promise<void> {
    this.#current = null
    if (!this.#persist) return
    try {
      await this.#kv.del(this.#key)
    } catch (error) {
      this.#degrade('could not be cleared', error)
    }
  }

  #degrade(what: string, cause: unknown): void {
    this.#persist = false
    this.#report(`${what}; this tab keeps the session in memory only, so a reload signs out`, cause)
  }

  #report(what: string, cause: unknown): void {
    if (this.#reported) return
    this.#reported = true
    this.#onStorageError(
      new AuthError(
        'storage_unavailable',
        `The session store (IndexedDB) ${what}.`,
        cause === undefined ? {} : { cause },
      ),
    )
  }
}
