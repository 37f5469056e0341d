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
    // async, so that a synchronous throw (indexedDB.open refused) becomes a rejection.
    get: async (key) => get(key, use()),
    set: async (key, value) => set(key, value, use()),
    del: async (key) => del(key, use()),
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

/**
 * A store in Web Storage (sessionStorage), as JSON. Used only for login transactions when
 * IndexedDB fails, never for tokens.
 */
export function webStorageStore(storage: () => Storage, prefix = 'latchkey:'): KeyValueStore {
  return {
    get: async <T>(key: string) => {
      const raw = storage().getItem(prefix + key)
      return raw === null ? undefined : (JSON.parse(raw) as T)
    },
    set: async (key, value) => storage().setItem(prefix + key, JSON.stringify(value)),
    del: async (key) => storage().removeItem(prefix + key),
    keys: async () => {
      const all = storage()
      const found: string[] = []
      for (let i = 0; i < all.length; i++) {
        const key = all.key(i)
        if (key?.startsWith(prefix)) found.push(key.slice(prefix.length))
      }
      return found
    },
  }
}

/**
 * Uses `primary` until it fails once, then `fallback` for the rest of the page's life, calling
 * `onFail` that one time. Keeps the SDK working when IndexedDB is blocked or broken.
 */
export function withFallback(
  primary: KeyValueStore,
  fallback: KeyValueStore,
  onFail: (error: unknown) => void,
): KeyValueStore {
  let degraded = false
  const run = async <T>(op: (store: KeyValueStore) => Promise<T>): Promise<T> => {
    if (!degraded) {
      try {
        return await op(primary)
      } catch (error) {
        degraded = true
        onFail(error)
      }
    }
    return op(fallback)
  }
  return {
    get: (key) => run((store) => store.get(key)),
    set: (key, value) => run((store) => store.set(key, value)),
    del: (key) => run((store) => store.del(key)),
    keys: () => run((store) => store.keys()),
  }
}
