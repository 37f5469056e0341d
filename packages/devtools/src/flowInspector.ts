// The flow inspector: collects a client's `onEvent` steps and shows them in a panel, live.
// Framework-free (the DOM only); the React and Vue components mount this panel.
import type { AuthEvent } from '@latchkey/core'
import { refreshCountdowns, stepItem } from './stepItem.js'
import { adoptStyles } from './styles.js'

/** Collects a client's events and shows them in every element it is mounted in. */
export interface FlowInspector {
  /**
   * Pass as `createAuth({ onEvent })`; a plain function, so it needs no binding. `undefined` in
   * a production build, so the client there reports no steps at all.
   */
  readonly onEvent: ((event: AuthEvent) => void) | undefined
  /**
   * Renders the panel into `element` (appended to what is there) and keeps it live; returns
   * what removes it again. Does nothing in a production build.
   */
  mount(element: HTMLElement): () => void
  /** Forgets every step, here and in storage. */
  clear(): void
}

/** Options of {@link createFlowInspector}. */
export interface FlowInspectorOptions {
  /**
   * The sessionStorage key the steps cross page loads under. Give each client its own when a
   * page has two.
   * @default 'latchkey-devtools:flow-inspector'
   */
  storageKey?: string
  /**
   * How many steps are kept; the oldest go first.
   * @default 100
   */
  limit?: number
}

/**
 * Creates the inspector of one client (the development build). The steps survive the trips to the authorization server
 * and back (and reloads) in sessionStorage, but sit there only while no page of this tab is
 * open: written when the page leaves, read and removed when the next one starts. While the app
 * runs, nothing of the flow (the user's claims included) is kept at rest.
 */
export function createDevFlowInspector(options: FlowInspectorOptions = {}): FlowInspector {
  const { storageKey = 'latchkey-devtools:flow-inspector', limit = 100 } = options
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(
      `createFlowInspector(): \`limit\` must be a positive whole number, not ${String(limit)}.`,
    )
  }
  if (typeof storageKey !== 'string' || storageKey === '') {
    throw new TypeError('createFlowInspector(): `storageKey` must be a non-empty string.')
  }
  // The hidden iframe of a silent sign-in runs the app too, on this tab's sessionStorage: only
  // the top-level page carries the steps across loads. (A popup's copy goes when it closes.)
  // On a server (server-side rendering) there is no page: the steps live in memory.
  const storage =
    typeof window !== 'undefined' && window.top === window ? sessionStorageOrNull() : null
  let events = take(storage, storageKey).slice(-limit)
  const views = new Set<(events: readonly AuthEvent[]) => void>()

  if (storage !== null) {
    addEventListener('pagehide', () => {
      if (events.length > 0) attempt(() => storage.setItem(storageKey, JSON.stringify(events)))
    })
    // Back from the back/forward cache: the page kept its steps in memory.
    addEventListener('pageshow', (event) => {
      if (event.persisted) attempt(() => storage.removeItem(storageKey))
    })
  }

  function publish(next: AuthEvent[]): void {
    events = next
    for (const view of views) view(events)
  }
  function clear(): void {
    if (storage !== null) attempt(() => storage.removeItem(storageKey))
    publish([])
  }

  return {
    onEvent(event) {
      publish([...events, event].slice(-limit))
    },
    clear,
    mount(element) {
      adoptStyles(element.ownerDocument)
      const view = panel(clear)
      element.append(view.root)
      view.show(events)
      views.add(view.show)
      const timer = setInterval(() => refreshCountdowns(view.root, Date.now()), 1000)
      return () => {
        clearInterval(timer)
        views.delete(view.show)
        view.root.remove()
      }
    },
  }
}

/** The panel's elements, and what brings them up to date with the steps. */
function panel(clear: () => void): {
  root: HTMLElement
  show(events: readonly AuthEvent[]): void
} {
  const root = document.createElement('section')
  root.className = 'flow-inspector'
  root.setAttribute('aria-label', 'Flow inspector')
  const header = document.createElement('header')
  const heading = document.createElement('h2')
  heading.textContent = 'Flow inspector'
  const count = document.createElement('span')
  count.className = 'fi-count'
  const button = document.createElement('button')
  button.type = 'button'
  button.textContent = 'Clear'
  button.addEventListener('click', clear)
  header.append(heading, count, button)
  const empty = document.createElement('p')
  empty.className = 'fi-empty'
  empty.textContent = 'No steps yet: sign in, and each step of the protocol shows up here.'
  const list = document.createElement('ol')
  list.className = 'fi-steps'
  root.append(header, empty, list)

  let shown: readonly AuthEvent[] = []
  return {
    root,
    show(events) {
      // New steps are appended, so open details stay open; anything else (a clear, the oldest
      // step dropped) renumbers the list and times it from a new first step.
      const appended =
        events.length >= shown.length && shown.every((event, i) => events[i] === event)
      // Where the panel scrolls on its own (beside the app), it follows the newest step unless
      // the reader scrolled up to an older one.
      const following =
        shown.length === 0 || root.scrollHeight - root.scrollTop - root.clientHeight < 48
      if (!appended) list.replaceChildren()
      const first = events[0]?.at ?? 0
      const now = Date.now()
      for (let i = appended ? shown.length : 0; i < events.length; i++) {
        list.append(stepItem(events[i] as AuthEvent, i + 1, first, now))
      }
      shown = events
      count.textContent = events.length === 1 ? '1 step' : `${events.length} steps`
      empty.hidden = events.length > 0
      button.disabled = events.length === 0
      if (following) root.scrollTop = root.scrollHeight
    },
  }
}

/** The steps a previous page of this tab left, removed from storage as they are read. */
function take(storage: Storage | null, key: string): AuthEvent[] {
  if (storage === null) return []
  let stored: unknown
  attempt(() => {
    const raw = storage.getItem(key)
    storage.removeItem(key)
    stored = raw === null ? [] : JSON.parse(raw)
  })
  return Array.isArray(stored) ? stored.filter(isEvent) : []
}

function isEvent(value: unknown): value is AuthEvent {
  const event = value as Partial<AuthEvent> | null
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.step === 'string' &&
    typeof event.title === 'string' &&
    typeof event.at === 'number'
  )
}

function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    // Storage disabled: the steps live as long as the page.
    return null
  }
}

/** Runs a storage call that may throw (quota, privacy settings): the panel works on without it. */
function attempt(task: () => void): void {
  try {
    task()
  } catch (error) {
    console.warn('[flow inspector] sessionStorage failed:', error)
  }
}
