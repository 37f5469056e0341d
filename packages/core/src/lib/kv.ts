// The key-value storage the SDK writes to: IndexedDB in browsers, a Map in tests and as a fallback.
import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval'

/** A small async key-value store. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  keys(): Promise<string[]>
}

/** IndexedDB through idb-keyval. The database is opened on first use, so import stays SSR-safe. */
export function indexedDbStore(dbName = 'latchkey', storeName = 'kv'): KeyValueStore {
  let store: UseStore | undefined
  const use = (): UseStore => {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available')
    store ??= createStore(dbName, storeName)
    return store
  }
  return {
    get: (key) => get(key, use()),
    set: (key, value) => set(key, value, use()),
    del: (key) => del(key, use()),
    keys: async () => (await keys(use())).filter((key): key is string => typeof key === 'string'),
  }
}

/** A store in memory, structured-cloned like IndexedDB so callers cannot share mutable objects. */
export function memoryStore(): KeyValueStore {
  const map = new Map<string, unknown>()
  return {
    get: async <T>(key: string) =>
      map.has(key) ? (structuredClone(map.get(key)) as T) : undefined,
    set: async (key, value) => {
      map.set(key, structuredClone(value))
    },
    del: async (key) => {
      map.delete(key)
    },
    keys: async () => [...map.keys()],
  }
}
