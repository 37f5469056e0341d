// The signed-in session: tokens and the user's claims, kept in memory and, when asked, in IndexedDB.
import { AuthError } from './errors.js'
import { getRetrying, type KeyValueStore } from './kv.js'
import type { User } from './state.js'

/**
 * An access token for one of the `apis` (RFC 8707), from the session's refresh token. Bound to
 * the session's DPoP key when `tokenType` is `dpop`.
 */
export interface ApiToken {
  accessToken: string
  tokenType: string
  issuedAt: number
  expiresAt: number | null
}

/** What the SDK keeps for a signed-in user. */
export interface Session {
  accessToken: string
  /** Lowercase token type of the access token, from the token response: `bearer` or `dpop`. */
  tokenType: string
  /**
   * The JWK thumbprint of the DPoP key the grant is bound to (its refresh token, and the access
   * token when `tokenType` is `dpop`); absent for a Bearer grant.
   */
  dpopJkt?: string
  /** When the access token was received, in milliseconds since the epoch. */
  issuedAt: number
  /** Milliseconds since the epoch; `null` when the server gave no `expires_in`. */
  expiresAt: number | null
  refreshToken?: string
  idToken?: string
  scope?: string
  user: User | null
  /** Whether the sign-in was silent (`prompt=none` in a hidden iframe). */
  silent?: boolean
  /** When the tokens were last refreshed, and by which tab; `null` until the first refresh. */
  refreshedAt: number | null
  refreshedBy: string | null
  /**
   * The tokens of the `apis`, by origin: each got with the refresh token when first needed
   * (protocol/apiTokens.ts checks them when read: an unusable one is got again).
   */
  apis?: Record<string, ApiToken>
  /**
   * What the sign-in asked for the `apis` (each entry's resource and scope): an entry added since
   * is not covered by the refresh token. Absent in sessions stored before it was kept.
   */
  apisAsked?: string[]
}

/** Whether `value` is a well-formed stored session (IndexedDB may hold anything). */
function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string'
  const nullableNumber = (v: unknown) => v === null || typeof v === 'number'
  const user = s.user as Record<string, unknown> | null
  return (
    typeof s.accessToken === 'string' &&
    s.accessToken !== '' &&
    typeof s.tokenType === 'string' &&
    optionalString(s.dpopJkt) &&
    // A DPoP access token is unusable without knowing its key.
    (s.tokenType !== 'dpop' || typeof s.dpopJkt === 'string') &&
    typeof s.issuedAt === 'number' &&
    (s.silent === undefined || typeof s.silent === 'boolean') &&
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
 * Holds the session in memory and mirrors to IndexedDB the sessions `shouldPersist` accepts, so
 * that a reload or another tab finds them. Storage failures never reach the app (but for a
 * refresh's read, see {@link SessionStore.load}): after a failed write the store keeps sessions in
 * memory. Each failure calls `onStorageError` (createAuth reports the first).
 */
export class SessionStore {
  #current: Session | null = null
  /** Whether #current is the stored copy (else it lives in this tab's memory only). */
  #currentStored = false
  #shared: boolean
  readonly #kv: KeyValueStore
  readonly #key: string
  readonly #shouldPersist: (session: Session) => boolean
  readonly #onStorageError: (error: AuthError) => void

  /**
   * @param shared whether sessions may be stored at all (false for `storage: 'memory'`).
   * @param shouldPersist whether a given session is stored (e.g. only DPoP-bound ones).
   */
  constructor(
    kv: KeyValueStore,
    key: string,
    shared: boolean,
    shouldPersist: (session: Session) => boolean,
    onStorageError: (error: AuthError) => void,
  ) {
    this.#kv = kv
    this.#key = key
    this.#shared = shared
    this.#shouldPersist = shouldPersist
    this.#onStorageError = onStorageError
  }

  /** The session this tab holds now. */
  get current(): Session | null {
    return this.#current
  }

  /** Whether the current session is the stored copy (else it lives in this tab only). */
  get stored(): boolean {
    return this.#currentStored
  }

  /** Whether this tab reads and writes IndexedDB (false in memory mode or after a failed write). */
  get shared(): boolean {
    return this.#shared
  }

  /**
   * Reads the stored session (the one other tabs may have written) into this tab. A session kept
   * in this tab's memory only stays, unless a stored one replaces it.
   *
   * A failed read is reported, and this tab keeps what it holds, but keeps reading and writing
   * storage: reads fail now and then (Safari drops connections), and a tab that stopped reading
   * would refresh with a refresh token other tabs have already rotated.
   * @param strict rejects with `storage_unavailable` when the read fails, for a refresh, which must
   *   not spend a refresh token it could not check.
   */
  async load(strict?: boolean): Promise<Session | null> {
    if (!this.#shared) return this.#current
    let stored: unknown
    try {
      stored = await getRetrying(this.#kv, this.#key)
    } catch (cause) {
      const error = this.#report('could not be read', cause)
      if (strict) throw error
      return this.#current
    }
    return this.accept(stored)
  }

  /**
   * Takes `stored`, the stored session as the caller read it (the first read on load gets it with
   * the DPoP key, in one transaction), as {@link load} takes what it reads.
   */
  async accept(stored: unknown): Promise<Session | null> {
    if (!this.#shared) return this.#current
    if (isSession(stored)) {
      this.#current = stored
      this.#currentStored = true
    } else {
      if (stored !== undefined) {
        // Unreadable data is discarded and reported; storage itself still works, so keep using it.
        this.#report('held unreadable data, which was discarded', undefined)
        await this.#delete()
      }
      if (this.#currentStored) this.#current = null // another tab removed it
      this.#currentStored = false
    }
    return this.#current
  }

  /** Replaces the session, in memory at once and then, when it qualifies, in IndexedDB. */
  async save(session: Session): Promise<void> {
    this.#current = session
    this.#currentStored = false
    if (!this.#shared) return
    if (!this.#shouldPersist(session)) {
      await this.#delete() // an older stored session must not outlive this one
      return
    }
    try {
      await this.#kv.set(this.#key, session)
      this.#currentStored = true
    } catch (error) {
      this.#degrade('could not be written', error)
    }
  }

  /** Forgets the session everywhere. */
  async clear(): Promise<void> {
    this.#current = null
    this.#currentStored = false
    await this.#delete()
  }

  async #delete(): Promise<void> {
    if (!this.#shared) return
    try {
      await this.#kv.del(this.#key)
    } catch (error) {
      this.#degrade('could not be cleared', error)
    }
  }

  #degrade(what: string, cause: unknown): void {
    this.#shared = false
    this.#report(`${what}; this tab keeps the session in memory only, so a reload signs out`, cause)
  }

  #report(what: string, cause: unknown): AuthError {
    const error = new AuthError(
      'storage_unavailable',
      `The session store (IndexedDB) ${what}.`,
      cause === undefined ? {} : { cause },
    )
    this.#onStorageError(error)
    return error
  }
}
