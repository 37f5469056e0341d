// Sign-in in a popup window (loadable on demand: apps that never call it do not load it).
// It imports only other on-demand modules at runtime (see protocol/firstLoad.ts).
import type { PopupLoginOptions } from '../first/auth.js'
import type { ProtocolContext } from '../protocol/context.js'
import { startAuthorization } from './authorizationRequest.js'
import { completeCallback } from './callback.js'
import { receiveRelay } from './relayReceiver.js'
import { transactionsOf } from './transaction.js'

/** A popup sign-in this page has started. */
interface Attempt {
  ctx: ProtocolContext
  popup: Window
  /** Aborted, with the newer attempt as its reason, when another popup sign-in starts. */
  replaced: AbortController
  outcome: Promise<void>
}

/** The popup sign-in this page waits for, if any (the popup's window name is one per page). */
let pending: Attempt | undefined

/**
 * Runs the authorization request in `popup` and completes its response in this window.
 *
 * Whether the user closed the popup cannot be told once it has gone to the authorization server:
 * a page there with `Cross-Origin-Opener-Policy` cuts the popup off from this window, whose handle
 * then reads `closed` although the user is still signing in (the answer comes on the relay
 * channel). So the transaction and the wait stay until the answer (the server's own cancel
 * included: `authorization_denied`), the timeout, or a new popup sign-in in this page, which takes
 * over: this call then settles as that one does (another client's takes the window, and this call
 * fails with `popup_closed`). Only a popup closed before it was sent to the server fails with
 * `popup_closed`. On any failure the popup is closed (where this window still can) and the
 * transaction deleted.
 */
export function popupLogin(
  ctx: ProtocolContext,
  popup: Window,
  options: PopupLoginOptions,
): Promise<void> {
  const previous = pending
  const replaced = new AbortController()
  const outcome = attemptLogin(ctx, popup, options, replaced)
  const attempt: Attempt = { ctx, popup, replaced, outcome }
  pending = attempt
  previous?.replaced.abort(attempt)
  attempt.outcome
    .finally(() => {
      if (pending === attempt) pending = undefined
    })
    .catch(() => undefined)
  return attempt.outcome
}

async function attemptLogin(
  ctx: ProtocolContext,
  popup: Window,
  options: PopupLoginOptions,
  replaced: AbortController,
): Promise<void> {
  const { timeoutMs = 300_000, ...login } = options
  const { AuthError, isCallbackUrl } = ctx.protocol
  const { signal } = replaced
  let state: string | undefined
  try {
    const request = await startAuthorization(ctx, login, 'popup')
    state = request.state
    if (signal.aborted) throw signal.reason
    // Still this app's blank page, which nothing can cut off from here: closed means closed.
    if (popup.closed) {
      throw new AuthError(
        'popup_closed',
        'The sign-in popup was closed before the sign-in started.',
      )
    }
    popup.location.href = request.url
    const url = await receiveRelay({
      origin: ctx.platform.currentUrl().origin,
      source: popup,
      state,
      isCallback: (url) => isCallbackUrl(url, ctx.cfg.redirectUrl),
      AuthError,
      scopeKey: ctx.scopeKey,
      timeoutMs,
      signal,
    })
    await completeCallback(ctx, url)
  } catch (error) {
    const newer = signal.aborted ? (signal.reason as Attempt) : undefined
    // A new sign-in may have been given the same window (it is found by name).
    if (newer?.popup !== popup) popup.close()
    if (state !== undefined)
      await transactionsOf(ctx)
        .take(state, 0)
        .catch(() => undefined)
    if (newer?.ctx === ctx) return newer.outcome
    if (newer !== undefined) {
      // Another client's sign-in took the popup: its outcome is not this one's.
      throw new AuthError(
        'popup_closed',
        'Another sign-in popup replaced this one before the sign-in finished.',
      )
    }
    throw error
  }
}
