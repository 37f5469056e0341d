// The side effects the SDK needs, behind one small interface so unit tests can pass fakes.
import { indexedDbStore, type KeyValueStore, webStorageStore } from './kv.js'

/** A message between tabs of the same app. It never carries a token. */
export interface TabMessage {
  type: 'login' | 'refresh' | 'logout' | 'session_expired'
  tabId: string
}

/** A channel to the other tabs of this app (BroadcastChannel in browsers). */
export interface TabChannel {
  post(message: TabMessage): void
  subscribe(listener: (message: TabMessage) => void): void
}

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
  /** Durable storage shared by the tabs of this origin (IndexedDB). */
  storage: KeyValueStore
  /** Per-tab storage that survives a redirect, for login transactions when `storage` fails. */
  tabStorage: KeyValueStore
  /**
   * Small non-secret flags shared by the tabs and kept across visits (localStorage): whether this
   * browser was signed in before, for the silent restore on load. Never a token.
   */
  flags: KeyValueStore
  /**
   * Runs `task` while holding the cross-tab lock `name` (Web Locks), one holder at a time; holders
   * of different names never wait for each other (the refresh lock is held while the DPoP key's is
   * taken).
   */
  withLock<T>(name: string, task: () => Promise<T>): Promise<T>
  /** Opens a channel to the other tabs, or returns `null` where there is none. */
  openChannel(name: string): TabChannel | null
  /** Calls `callback` after `ms`; returns the function that cancels it. */
  setTimer(callback: () => void, ms: number): () => void
  /** Whether the page is visible (background tabs do not refresh proactively). */
  isVisible(): boolean
  /**
   * Calls `callback` whenever the page becomes visible (also when it is restored from the
   * back/forward cache); returns the function that stops it.
   */
  onVisible(callback: () => void): () => void
  /**
   * Calls `callback` whenever the browser reports that the network is back (`online`), for the
   * page's life: a refresh that failed offline is then tried again at once. Optional, so that a
   * platform written before it still fits; without it only a visible page ends the back-off early.
   */
  onOnline?(callback: () => void): void
  /** Reports a degraded mode to the developer. */
  warn(message: string): void
}

/** The browser's implementations. Nothing here runs at import time, so SSR imports are safe. */
export function browserPlatform(): Platform {
  // Without Web Locks (Safari < 15.4, Firefox < 96, some webviews) a queue per name, in this tab
  // only (refresh.ts re-reads the session after its grant for the other tabs). A task that fails
  // lets the next one run.
  const queues: Record<string, Promise<unknown>> = {}
  return {
    fetch: (input, init) => globalThis.fetch(input, init),
    now: () => Date.now(),
    currentUrl: () => new URL(window.location.href),
    navigate: (url) => window.location.assign(url),
    replaceUrl: (url) => window.history.replaceState(window.history.state, '', url),
    storage: indexedDbStore(),
    tabStorage: webStorageStore(() => window.sessionStorage),
    flags: webStorageStore(() => window.localStorage, ''),
    withLock: (name, task) => {
      // Missing also outside secure contexts (a plain-http host other than localhost).
      const locks = globalThis.navigator?.locks
      // The DOM typing sees the callback's promise as the lock's value; the browser unwraps it.
      if (locks) return locks.request(name, task) as Promise<Awaited<ReturnType<typeof task>>>
      const run = Promise.resolve(queues[name]).then(task)
      queues[name] = run.catch(() => undefined)
      return run
    },
    openChannel: (name) => {
      if (typeof BroadcastChannel === 'undefined') return null
      const channel = new BroadcastChannel(name)
      return {
        post: (message) => channel.postMessage(message),
        subscribe: (listener) => {
          channel.onmessage = (event: MessageEvent<TabMessage>) => listener(event.data)
        },
      }
    },
    setTimer: (callback, ms) => {
      const id = setTimeout(callback, ms)
      return () => clearTimeout(id)
    },
    isVisible: () => typeof document === 'undefined' || document.visibilityState === 'visible',
    onVisible: (callback) => {
      if (typeof document === 'undefined') return () => undefined
      const listener = () => {
        if (document.visibilityState === 'visible') callback()
      }
      // A page restored from the back/forward cache is shown again too.
      const restored = (event: PageTransitionEvent) => {
        if (event.persisted) callback()
      }
      document.addEventListener('visibilitychange', listener)
      window.addEventListener('pageshow', restored)
      return () => {
        document.removeEventListener('visibilitychange', listener)
        window.removeEventListener('pageshow', restored)
      }
    },
    onOnline: (callback) => window.addEventListener('online', callback),
    warn: (message) => console.warn(message),
  }
}
