// Sign-in in a popup window (loadable on demand: apps that never call it do not load it).
// It imports only other on-demand modules at runtime, and takes the rest from `ctx.kit`.
import type { PopupLoginOptions } from './auth.js'
import { startAuthorization } from './authorizationRequest.js'
import { completeCallback } from './callback.js'
import type { AuthContext } from './context.js'
import { receiveRelay } from './relayReceiver.js'
import { transactionsOf } from './transaction.js'

/**
 * Runs the authorization request in `popup` and completes its response in this window. On any
 * failure the popup is closed and the transaction deleted.
 */
export async function popupLogin(
  ctx: AuthContext,
  popup: Window,
  options: PopupLoginOptions,
): Promise<void> {
  const { timeoutMs = 300_000, ...login } = options
  let state: string | undefined
  try {
    const request = await startAuthorization(ctx, login, 'popup')
    state = request.state
    popup.location.href = request.url
    const url = await receiveRelay({
      origin: ctx.platform.currentUrl().origin,
      source: popup,
      state,
      isCallback: (url) => ctx.kit.isCallbackUrl(url, ctx.cfg.redirectUrl),
      AuthError: ctx.kit.AuthError,
      scopeKey: ctx.scopeKey,
      timeoutMs,
      closed: () => popup.closed,
    })
    await completeCallback(ctx, url)
  } catch (error) {
    popup.close()
    if (state !== undefined)
      await transactionsOf(ctx)
        .take(state, 0)
        .catch(() => undefined)
    throw error
  }
}
