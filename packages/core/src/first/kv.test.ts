import { describe, expect, it, vi } from 'vitest'
import { takeFrom, withFallback } from '../flows/fallbackStore.js'
import { getRetrying, type KeyValueStore, memoryStore, webStorageStore } from './kv.js'

/** sessionStorage, in memory. */
function fakeSessionStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    key: (index) => [...items.keys()][index] ?? null,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  }
}

function failing(): KeyValueStore {
  const fail = async () => {
    throw new DOMException('Connection to Indexed Database server lost.', 'UnknownError')
  }
  return { get: fail, set: fail, del: fail, keys: fail, take: fail }
}

describe.each([
  ['memoryStore', () => memoryStore()],
  [
    'webStorageStore',
    () => {
      const storage = fakeSessionStorage()
      return webStorageStore(() => storage)
    },
  ],
])('%s take()', (_, create) => {
  it('gives a value to one of two concurrent takes only, and removes it', async () => {
    const store = create()
    await store.set('k', { a: 1 })
    const taken = await Promise.all([takeFrom(store, 'k'), takeFrom(store, 'k')])
    expect(taken.filter((value) => value !== undefined)).toEqual([{ a: 1 }])
    expect(await store.keys()).toEqual([])
  })
})

describe('webStorageStore', () => {
  it('removes an unreadable value it was asked to take', async () => {
    const storage = fakeSessionStorage()
    storage.setItem('latchkey:k', '{not json')
    const store = webStorageStore(() => storage)
    await expect(takeFrom(store, 'k')).rejects.toThrow(SyntaxError)
    expect(storage.length).toBe(0)
  })
})

describe('takeFrom', () => {
  it('reads then deletes in a store without take()', async () => {
    const { take: _, ...plain } = memoryStore()
    await plain.set('k', 1)
    expect(await takeFrom(plain, 'k')).toBe(1)
    expect(await plain.keys()).toEqual([])
  })
})

describe('withFallback', () => {
  it('writes to the primary until it fails, then to the fallback, reporting it once', async () => {
    const primary = memoryStore()
    const fallback = memoryStore()
    const onFail = vi.fn()
    let broken = false
    const flaky: KeyValueStore = {
      ...primary,
      set: (key, value) => (broken ? failing().set(key, value) : primary.set(key, value)),
    }
    const store = withFallback(flaky, fallback, onFail)
    await store.set('a', 1)
    broken = true
    await store.set('b', 2)
    broken = false
    await store.set('c', 3) // the page stays degraded for writes
    expect(await primary.keys()).toEqual(['a'])
    expect(await fallback.keys()).toEqual(['b', 'c'])
    expect(onFail).toHaveBeenCalledTimes(1)
  })

  it('reads, takes, lists and deletes in both stores, the primary first', async () => {
    const primary = memoryStore()
    const fallback = memoryStore()
    await primary.set('a', 'primary')
    await fallback.set('a', 'fallback')
    await fallback.set('b', 'fallback')
    const store = withFallback(primary, fallback, () => undefined)
    expect(new Set(await store.keys())).toEqual(new Set(['a', 'b']))
    expect(await store.get('a')).toBe('primary')
    expect(await store.get('b')).toBe('fallback')
    expect(await takeFrom(store, 'a')).toBe('primary')
    expect(await takeFrom(store, 'b')).toBe('fallback')
    await store.del('a')
    expect(await store.keys()).toEqual([])
  })

  it('finds in the fallback what a page whose primary failed stored there', async () => {
    const tab = memoryStore()
    await withFallback(failing(), tab, () => undefined).set('k', 'v')
    const onFail = vi.fn()
    expect(await takeFrom(withFallback(memoryStore(), tab, onFail), 'k')).toBe('v')
    expect(onFail).not.toHaveBeenCalled()
  })

  it('treats a failing primary as empty on reads, reporting it once', async () => {
    const fallback = memoryStore()
    await fallback.set('k', 'v')
    const onFail = vi.fn()
    const store = withFallback(failing(), fallback, onFail)
    expect(await store.keys()).toEqual(['k'])
    expect(await store.get('k')).toBe('v')
    expect(await takeFrom(store, 'k')).toBe('v')
    expect(onFail).toHaveBeenCalledTimes(1)
  })

  it('works with the primary alone when the fallback fails (sessionStorage blocked)', async () => {
    const store = withFallback(memoryStore(), failing(), () => undefined)
    await store.set('k', 'v')
    expect(await store.keys()).toEqual(['k'])
    expect(await store.get('nothing')).toBeUndefined()
    expect(await takeFrom(store, 'k')).toBe('v')
    await store.del('k')
    expect(await store.keys()).toEqual([])
  })

  it('fails when both stores fail', async () => {
    const store = withFallback(failing(), failing(), () => undefined)
    await expect(store.set('k', 'v')).rejects.toThrow(/lost/)
    await expect(store.get('k')).rejects.toThrow(/lost/)
  })
})

describe('getRetrying', () => {
  it('reads again after a failure, up to three attempts, then throws', async () => {
    const store = memoryStore()
    await store.set('k', 'v')
    let failures = 2
    const flaky: KeyValueStore = {
      ...store,
      get: async (key) => {
        if (failures-- > 0) throw new DOMException('lost', 'UnknownError')
        return store.get(key)
      },
    }
    expect(await getRetrying(flaky, 'k')).toBe('v')
    await expect(getRetrying(failing(), 'k')).rejects.toThrow(/lost/)
  })
})
