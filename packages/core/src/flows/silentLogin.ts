// Silent sign-in: `prompt=none` in a hidden iframe (loadable on demand).
// It imports only other on-demand modules at runtime (see protocol/firstLoad.ts).
import type { SilentLoginOptions } from '../first/auth.js'
import type { ProtocolContext } from '../protocol/context.js'
import { startAuthorization } from './authorizationRequest.js'
import { completeCallback } from './callback.js'
import { receiveRelay } from './relayReceiver.js'
import { transactionsOf } from './transaction.js'

// Answers to prompt=none that mean "the user must take part" (OpenID Connect Core 3.1.2.6).
const NEEDS_USER = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
])

/**
 * Runs the authorization request with `prompt=none` in a hidden iframe and completes its response
 * in this window. The iframe is removed, and the transaction deleted, whatever happens.
 * @throws {@link AuthError} `login_required` when the server needs the user, `timeout`, and what
 *   completing the response throws.
 */
export async function silentLogin(
  ctx: ProtocolContext,
  options: SilentLoginOptions,
): Promise<void> {
  const { AuthError, isAuthError, isCallbackUrl } = ctx.protocol
  const request = await startAuthorization(ctx, { prompt: 'none' }, 'frame')
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.title = 'Silent sign-in'
  frame.src = request.url
  document.body.append(frame)
  try {
    const url = await receiveRelay({
      origin: ctx.platform.currentUrl().origin,
      source: frame.contentWindow as Window,
      state: request.state,
      isCallback: (url) => isCallbackUrl(url, ctx.cfg.redirectUrl),
      AuthError,
      scopeKey: ctx.scopeKey,
      timeoutMs: options.timeoutMs ?? 10_000,
    })
    await completeCallback(ctx, url)
  } catch (error) {
    // A response that was not completed leaves its transaction: it must not outlive this attempt.
    await transactionsOf(ctx)
      .take(request.state, 0)
      .catch(() => undefined)
    if (isAuthError(error, 'authorization_denied') && NEEDS_USER.has(error.error as string)) {
      throw new AuthError(
        'login_required',
        `Silent sign-in needs the user (the server answered ${error.error}): call login() or loginWithPopup().`,
        { error: error.error as string, cause: error },
      )
    }
    throw error
  } finally {
    frame.remove()
  }
}

/**
 * The silent sign-in on load, for a browser that was signed in before: quiet, since the server's
 * session having ended (`login_required`) is an ordinary outcome, nothing to show or retry.
 * @returns whether it signed in.
 */
export async function restoreSilently(ctx: ProtocolContext): Promise<boolean> {
  const { isAuthError } = ctx.protocol
  const quiet: ProtocolContext = {
    ...ctx,
    fail: (error) => {
      throw error
    },
  }
  try {
    // Bounded: a server that shows a page instead of answering prompt=none (Amazon Cognito's
    // managed login) must not hold the app in `loading` for loginSilently()'s 10 s.
    await silentLogin(quiet, { timeoutMs: ctx.cfg.restoreTimeoutMs })
    return true
  } catch (error) {
    const timedOut = isAuthError(error, 'timeout')
    // Such a server will not answer on the next load either: until the next sign-in, no retry.
    if (timedOut || isAuthError(error, 'login_required')) ctx.mark(false)
    if (!isAuthError(error, 'login_required')) {
      ctx.platform.warn(
        `[latchkey] silent sign-in on load failed: ${(error as Error).message}${timedOut ? ' A server that ignores prompt=none needs `silentLogin: false`.' : ''}`,
      )
    }
    return false
  }
}
