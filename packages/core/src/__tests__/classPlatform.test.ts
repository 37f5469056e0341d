// A Platform written as a class (methods on its prototype, state in private fields) works as the
// object literal does, with onEvent and without.
import { expect, it } from 'vitest'
import { createAuth } from '../first/createAuth.js'
import type { Platform } from '../first/platform.js'
import type { AuthEvent } from '../protocol/events.js'
import { API, config, fakeWorld } from './fakeWorld.js'

/** The fake world's platform behind a class: nothing of it is an own property of the instance. */
class ClassPlatform implements Platform {
  readonly #inner: Platform
  constructor(inner: Platform) {
    this.#inner = inner
  }
  get storage() {
    return this.#inner.storage
  }
  get tabStorage() {
    return this.#inner.tabStorage
  }
  get flags() {
    return this.#inner.flags
  }
  fetch(input: RequestInfo | URL, init?: RequestInit) {
    return this.#inner.fetch(input, init)
  }
  now() {
    return this.#inner.now()
  }
  currentUrl() {
    return this.#inner.currentUrl()
  }
  navigate(url: string) {
    this.#inner.navigate(url)
  }
  replaceUrl(url: string) {
    this.#inner.replaceUrl(url)
  }
  withLock<T>(name: string, task: () => Promise<T>) {
    return this.#inner.withLock(name, task)
  }
  openChannel(name: string) {
    return this.#inner.openChannel(name)
  }
  setTimer(callback: () => void, ms: number) {
    return this.#inner.setTimer(callback, ms)
  }
  isVisible() {
    return this.#inner.isVisible()
  }
  onVisible(callback: () => void) {
    return this.#inner.onVisible(callback)
  }
  // Platforms from before the `online` retry lack it.
  onOnline(callback: () => void) {
    const inner = this.#inner as Platform & { onOnline?(callback: () => void): () => void }
    return inner.onOnline?.(callback) ?? (() => undefined)
  }
  warn(message: string) {
    this.#inner.warn(message)
  }
}

it.each([
  ['with onEvent', true],
  ['without onEvent', false],
])('a class-based Platform signs in, refreshes and calls the API, %s', async (_, inspect) => {
  const world = fakeWorld()
  const tab = world.tab()
  const events: AuthEvent[] = []
  const auth = createAuth(
    {
      ...config,
      apiOrigins: [API],
      ...(inspect ? { onEvent: (event: AuthEvent) => events.push(event) } : {}),
    },
    new ClassPlatform(tab.platform),
  )
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  expect(auth.getState().status).toBe('authenticated')
  expect(await auth.getAccessToken({ forceRefresh: true })).toBe('at-2')
  expect((await auth.authFetch(`${API}/me`)).status).toBe(200)
  expect(world.api.at(-1)?.authorization).toBe('Bearer at-2')
  expect(events.length > 0).toBe(inspect)
})
