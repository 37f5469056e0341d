// The receiving end of the relay, in the window that started a popup or iframe sign-in (loaded
// with those flows only).
// It imports only the relay's sender module at runtime; what it needs of the rest comes as
// arguments (see protocol/index.ts).
import type { AuthError } from '../first/errors.js'
import { RELAY_TYPE, type RelayMessage, relayChannel } from './relay.js'

/** What a relayed response must match. */
export interface RelayExpectation {
  /** The app's origin: only its pages may answer. */
  origin: string
  /** The popup or iframe window; `undefined` for the channel, which only same-origin pages reach. */
  source?: unknown
  /** The pending sign-in's `state`. */
  state: string
  /** Whether a URL is a callback to the redirect URI (`isCallbackUrl`, from `ctx.protocol`). */
  isCallback(url: URL): boolean
}

/**
 * The callback URL in `event` when it is the response this page waits for: sent from the app's own
 * origin, by the expected window, for the redirect URI and the pending `state`. Anything else
 * (another origin, another window, another sign-in, another shape) gives `undefined`.
 */
export function relayedUrl(
  event: { data: unknown; origin: string; source?: unknown },
  expected: RelayExpectation,
): URL | undefined {
  if (event.origin !== expected.origin) return undefined
  if (expected.source !== undefined && event.source !== expected.source) return undefined
  const { type, url } = (event.data ?? {}) as Partial<RelayMessage>
  if (type !== RELAY_TYPE || typeof url !== 'string') return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  return expected.isCallback(parsed) && parsed.searchParams.get('state') === expected.state
    ? parsed
    : undefined
}

/** What {@link receiveRelay} waits on. */
export interface RelayWait extends RelayExpectation {
  source: Window
  scopeKey: string
  timeoutMs: number
  /** Ends the wait early: it rejects with the signal's `reason`. */
  signal?: AbortSignal
  /** The SDK's error class (from `ctx.protocol`). */
  AuthError: typeof AuthError
}

/**
 * Waits for the response to the pending sign-in, from its window by `postMessage` or on the relay
 * channel. It does not watch whether a popup is `closed`: a popup on a page with
 * `Cross-Origin-Opener-Policy` reads as closed to this window while the user is still signing in
 * there, and its answer then comes on the channel.
 * @throws {@link AuthError} `timeout` after `timeoutMs`; the signal's `reason` when it aborts.
 */
export function receiveRelay(wait: RelayWait): Promise<URL> {
  return new Promise((resolve, reject) => {
    // Browsers without BroadcastChannel (Safari before 15.4) get the answer by postMessage only.
    const channel =
      typeof BroadcastChannel === 'function'
        ? new BroadcastChannel(relayChannel(wait.scopeKey))
        : null
    const { signal } = wait
    const done = (url: URL | undefined, error?: unknown) => {
      if (url === undefined && error === undefined) return
      window.removeEventListener('message', onMessage)
      signal?.removeEventListener('abort', onAbort)
      channel?.close()
      clearTimeout(timer)
      if (url !== undefined) resolve(url)
      else reject(error)
    }
    const onMessage = (event: MessageEvent) => done(relayedUrl(event, wait))
    const onAbort = () => done(undefined, signal?.reason)
    window.addEventListener('message', onMessage)
    if (channel)
      channel.onmessage = (event) => done(relayedUrl(event, { ...wait, source: undefined }))
    signal?.addEventListener('abort', onAbort)
    const timer = setTimeout(
      () =>
        done(
          undefined,
          new wait.AuthError(
            'timeout',
            `The sign-in did not answer within ${Math.round(wait.timeoutMs / 1000)} s.`,
          ),
        ),
      wait.timeoutMs,
    )
    if (signal?.aborted) onAbort()
  })
}
