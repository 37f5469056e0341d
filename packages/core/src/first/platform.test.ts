// The browser platform's own fallbacks, where the browser lacks the API (Web Locks: Node 20 has none,
// Node 24 has them, so the tests take them away).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { browserPlatform } from './platform.js'

/** What `promise` settled to within a few event-loop turns, or 'pending' (a deadlock). */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  const pending = new Promise((resolve) => setTimeout(() => resolve('pending'), 20))
  return Promise.race([promise.catch((error: Error) => `rejected: ${error.message}`), pending])
}

describe('withLock without Web Locks', () => {
  // Node 24 has navigator.locks (Node 20 has no navigator): these tests are of the fallback.
  beforeEach(() => {
    if (typeof navigator !== 'undefined')
      vi.stubGlobal('navigator', { ...navigator, locks: undefined })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('has one queue per name: a lock taken inside another one is granted', async () => {
    const { withLock } = browserPlatform()
    expect(typeof navigator === 'undefined' || navigator.locks === undefined).toBe(true)
    const nested = withLock('refresh', () => withLock('dpop-key', async () => 'both held'))
    expect(await outcome(nested)).toBe('both held')
  })

  it('runs the holders of one name one at a time, in order', async () => {
    const { withLock } = browserPlatform()
    const seen: string[] = []
    let release: () => void = () => undefined
    const first = withLock('refresh', async () => {
      seen.push('first starts')
      await new Promise<void>((resolve) => (release = resolve))
      seen.push('first ends')
    })
    const second = withLock('refresh', async () => {
      seen.push('second starts')
    })
    const other = withLock('dpop-key', async () => {
      seen.push('other name')
    })
    await outcome(other)
    expect(seen).toEqual(['first starts', 'other name'])
    release()
    await Promise.all([first, second])
    expect(seen).toEqual(['first starts', 'other name', 'first ends', 'second starts'])
  })

  it('lets the next holder run after a task fails, and hands the failure to its caller', async () => {
    const { withLock } = browserPlatform()
    const failing = withLock('refresh', async () => {
      throw new Error('token request failed')
    })
    const throwing = withLock('refresh', () => {
      throw new Error('thrown before any await')
    })
    const next = withLock('refresh', async () => 'ran')
    expect(await outcome(failing)).toBe('rejected: token request failed')
    expect(await outcome(throwing)).toBe('rejected: thrown before any await')
    expect(await outcome(next)).toBe('ran')
  })
})

describe('onOnline', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it("calls back on each of the window's online events", () => {
    const window = new EventTarget()
    vi.stubGlobal('window', window)
    let calls = 0
    browserPlatform().onOnline?.(() => calls++)
    window.dispatchEvent(new Event('offline'))
    expect(calls).toBe(0)
    window.dispatchEvent(new Event('online'))
    window.dispatchEvent(new Event('online'))
    expect(calls).toBe(2)
  })
})
