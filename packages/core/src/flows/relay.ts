// Hands an authorization response from a popup or hidden iframe to the window that started the
// sign-in, which validates it and exchanges the code itself.

/** What a callback page in a popup or iframe sends to the window that started the sign-in. */
export interface RelayMessage {
  type: 'latchkey:callback'
  /** The whole callback URL, with its `code` and `state`. */
  url: string
}

export const RELAY_TYPE = 'latchkey:callback'

/** The BroadcastChannel the response goes on when the popup has lost its opener (COOP). */
export const relayChannel = (scopeKey: string) => `${scopeKey}:relay`

/**
 * On the callback page, sends `url` to the window that started the sign-in: `postMessage` to the
 * opener (popup) or parent (iframe), at this app's own origin only; without one, on the relay
 * channel. A popup then closes itself.
 */
export function sendRelay(url: URL, relay: 'popup' | 'frame', scopeKey: string): void {
  const message: RelayMessage = { type: RELAY_TYPE, url: url.href }
  const target: Window | null = relay === 'popup' ? window.opener : window.parent
  if (target !== null && target !== window) {
    target.postMessage(message, url.origin)
  } else if (typeof BroadcastChannel === 'function') {
    // Without one (Safari before 15.4) a popup that lost its opener cannot answer: the opener's
    // wait ends with `timeout`.
    const channel = new BroadcastChannel(relayChannel(scopeKey))
    channel.postMessage(message)
    channel.close()
  }
  if (relay === 'popup') window.close()
}
