// What the sign-in flows (redirect, popup, iframe), refresh and logout share: one client's parts
// that load first. The protocol layer adds its own when it loads (protocol/context.ts).
import type { FlowEvent } from '../protocol/events.js'
import type { Auth } from './auth.js'
import type { ResolvedConfig } from './config.js'
import type { AuthError } from './errors.js'
import type { Platform, TabMessage } from './platform.js'
import type { Session, SessionStore } from './session.js'

/** The parts of one Latchkey client that load first, built by `createAuth()`. */
export interface AuthContext {
  cfg: ResolvedConfig
  platform: Platform
  /** `latchkey:<issuer>:<client id>`: the prefix of every storage key, lock and channel name. */
  scopeKey: string
  tabId: string
  sessions: SessionStore
  /** Reports a storage failure once (login transactions' storage reports its own through it). */
  reportStorage(error: AuthError): void
  /** Runs `task` under the cross-tab lock that serialises sign-in, refresh and logout. */
  withRefreshLock<T>(task: () => Promise<T>): Promise<T>
  /** Shows `session` (or its absence, with `error`) in the state. */
  show(session: Session | null, error?: AuthError | null): void
  /** Shows `error` in the state (a signed-in user stays signed in) and throws it. */
  fail(error: AuthError): never
  /** Moves the state to `loading`, keeping the rest. */
  loading(): void
  /** Tells the other tabs. */
  tell(type: TabMessage['type']): void
  /** Hands the page to the server's end-session endpoint: until the page is shown again, no login(). */
  leave(url: string): void
  /** Remembers (or forgets) that this browser was signed in, for the silent restore on load. */
  mark(signedIn: boolean): void
  /** Reports a step to `onEvent` (shortening its secrets); `undefined` without `onEvent`. */
  emit: ((event: FlowEvent) => void) | undefined
  /**
   * The stored DPoP key as the page's first storage read found it (see `DpopKeyParts.restored`).
   */
  restoredKey(): Promise<unknown> | undefined
  /** The public sign-in methods, for the step-up authFetch may run (protocol/stepUp.ts). */
  signIn?: Pick<Auth, 'login' | 'loginWithPopup'>
}
