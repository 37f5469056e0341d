// What one page holds of a client: the state it shows, the session store (whose storage failures,
// and those of login transactions' storage, it reports once), and the channel to the other tabs.
import { isCallbackUrl } from './callbackUrl.js'
import type { ResolvedConfig } from './config.js'
import type { AuthError } from './errors.js'
import type { Platform, TabChannel } from './platform.js'
import { type Session, SessionStore } from './session.js'
import { SIGNED_OUT, StateStore } from './state.js'

/** What {@link createPage} returns. */
export interface Page {
  store: StateStore
  sessions: SessionStore
  /** Reports a storage failure, the first one only: in the console and the state's `error`. */
  reportStorage(error: AuthError): void
  channel: TabChannel | null
  /** Whether the page is the callback (its state stays `loading` until handleRedirect() settles). */
  onCallback: boolean
  /** Whether news from other tabs is held back from the state (on the callback page, until then). */
  holding: boolean
  /** Shows `session` (or its absence, with `error`) in the state, with any storage warning. */
  show(session: Session | null, error: AuthError | null): void
}

/**
 * The page's parts for the client `cfg` names, whose keys start with `scopeKey`.
 * @param keyPersistent whether the DPoP key survives a reload (known to the protocol layer, which
 *   holds the key by the time a bound session is saved).
 */
export function createPage(
  cfg: ResolvedConfig,
  platform: Platform,
  scopeKey: string,
  keyPersistent: () => boolean,
): Page {
  // Storage problems are reported once, through the console and the state, never thrown.
  // The warning stays in the state's `error` (status unchanged) while the tab runs degraded.
  let storageWarning: AuthError | null = null
  function reportStorage(error: AuthError): void {
    if (storageWarning !== null) return
    storageWarning = error
    platform.warn(`[latchkey] storage_unavailable: ${error.message}`)
    store.set({ ...store.get(), error })
  }
  // 'auto' persists only sessions whose refresh token is DPoP-bound (even with a Bearer access
  // token, RFC 9449 section 5): a Bearer token copied out of IndexedDB works anywhere, a bound one
  // only with the key that script cannot export. A bound session whose key could not be stored is
  // not persisted either: it would be useless after a reload.
  const sessions = new SessionStore(
    platform.storage,
    `${scopeKey}:session`,
    cfg.storage !== 'memory',
    (session) => (session.dpopJkt !== undefined ? keyPersistent() : cfg.storage === 'indexeddb'),
    reportStorage,
  )
  const onCallback = isCallbackUrl(platform.currentUrl(), cfg.redirectUrl)
  const store = new StateStore(
    sessions.shared || cfg.silentLogin !== false || onCallback
      ? { ...SIGNED_OUT, status: 'loading' }
      : SIGNED_OUT,
  )
  return {
    store,
    sessions,
    reportStorage,
    channel: platform.openChannel(scopeKey),
    onCallback,
    holding: onCallback,
    show(session, error) {
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
    },
  }
}
