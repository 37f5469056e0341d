// The side effects the SDK needs, behind one small interface so unit tests can pass fakes.
import { indexedDbStore, type KeyValueStore } from './lib/kv.js'

/** What the SDK needs from its environment. Browser defaults come from {@link browserPlatform}. */
export interface Platform {
  /** Performs HTTP requests (to the authorization server and, from `authFetch`, to APIs). */
  fetch: typeof fetch
  /** The current time in milliseconds since the epoch. */
  now(): number
  /** The page's current URL. */
  currentUrl(): URL
  /** Navigates the page away (to the authorization or end-session endpoint). */
  navigate(url: string): void
  /** Replaces the address bar's URL without adding a history entry. */
  replaceUrl(url: string): void
  /** Durable storage for one-time login transactions. */
  storage: KeyValueStore
}

/** The browser's implementations. Nothing here runs at import time, so SSR imports are safe. */
export function browserPlatform(): Platform {
  return {
    fetch: (input, init) => globalThis.fetch(input, init),
    now: () => Date.now(),
    currentUrl: () => new URL(window.location.href),
    navigate: (url) => window.location.assign(url),
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
    storage: indexedDbStore(),
  }
}
