// The key-value storage the SDK writes to: IndexedDB in browsers, a Map in tests and as a fallback.
import {
  createStore,
  del,
  get,
  getMany,
  keys,
  promisifyRequest,
  set,
  type UseStore,
} from 'idb-keyval'

/** A small async key-value store. */
export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  keys(): Promise<string[]>
  /**
   * Reads several keys at once, in one step (one IndexedDB transaction): a page's first read gets
   * the session and its DPoP key this way. Optional: without it the SDK reads them one by one.
   */
  getMany?(keys: readonly string[]): Promise<unknown[]>
  /**
   * Removes `key` and returns what it held, as one step no other tab can interleave with: of two
   * pages taking the same key at once, only one gets the value. Login transactions are taken this
   * way, so a callback URL loaded in two pages at once exchanges its code once.
   *
   * Optional so that stores written before it keep working: without it the SDK reads, then
   * deletes, and two pages loading the same callback at the same moment may both send the code
   * (the server refuses the second, and may revoke what it issued for the first).
   */
  take?<T>(key: string): Promise<T | undefined>
}

/** A store with {@link KeyValueStore.take}, as {@link withFallback} makes every store. */
export type TakingStore = KeyValueStore & Required<Pick<KeyValueStore, 'take'>>

/**
 * Reads `key`, twice more when the store fails: an IndexedDB connection can drop (Safari) and the
 * next attempt reopens it. Used where a failed read must not be mistaken for "nothing stored".
 */
export async function getRetrying<T>(store: KeyValueStore, key: string): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.get<T>(key)
    } catch (error) {
      if (attempt === 3) throw error
    }
  }
}

/** Reads `keys` at once ({@link KeyValueStore.getMany}, else one by one), retrying as {@link getRetrying}. */
export async function getManyRetrying(
  store: KeyValueStore,
  keys: readonly string[],
): Promise<unknown[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (store.getMany?.(keys) ?? Promise.all(keys.map((key) => store.get(key))))
    } catch (error) {
      if (attempt === 3) throw error
    }
  }
}

/** IndexedDB through idb-keyval. The database is opened on first use, so import stays SSR-safe. */
export function indexedDbStore(dbName = 'latchkey', storeName = 'kv'): KeyValueStore {
  let store: UseStore | undefined
  // async, so that a synchronous throw (indexedDB.open refused) becomes a rejection. A failure
  // drops the connection: a lost one (Safari drops them now and then) is reopened on the next call.
  const use = async <T>(op: (store: UseStore) => Promise<T>): Promise<T> => {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available')
    store ??= createStore(dbName, storeName)
    try {
      return await op(store)
    } catch (error) {
      store = undefined
      throw error
    }
  }
  return {
    get: (key) => use((db) => get(key, db)),
    set: (key, value) => use((db) => set(key, value, db)),
    getMany: (keys) => use((db) => getMany([...keys], db)),
    del: (key) => use((db) => del(key, db)),
    keys: async () =>
      (await use((db) => keys(db))).filter((key): key is string => typeof key === 'string'),
    // Readwrite transactions on one object store run one at a time, across tabs; the value is
    // returned only once its deletion is committed.
    take: (key) =>
      use((db) =>
        db('readwrite', (kv) => {
          const request = kv.get(key)
          kv.delete(key)
          return promisifyRequest(kv.transaction).then(() => request.result)
        }),
      ),
  }
}

/** A store in memory, structured-cloned like IndexedDB so callers cannot share mutable objects. */
export function memoryStore(): TakingStore {
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
    getMany: async (keys) => keys.map((key) => structuredClone(map.get(key))),
    // Synchronous between the read and the delete, so atomic.
    take: async <T>(key: string) => {
      const value = map.get(key) as T | undefined
      map.delete(key)
      return value
    },
  }
}

/**
 * A store in Web Storage (sessionStorage), as JSON. Used only for login transactions when
 * IndexedDB fails, never for tokens.
 */
export function webStorageStore(storage: () => Storage, prefix = 'latchkey:'): KeyValueStore {
  const read = <T>(key: string): T | undefined => {
    const raw = storage().getItem(prefix + key)
    return raw === null ? undefined : (JSON.parse(raw) as T)
  }
  const remove = (key: string) => storage().removeItem(prefix + key)
  return {
    get: async (key) => read(key),
    set: async (key, value) => storage().setItem(prefix + key, JSON.stringify(value)),
    del: async (key) => remove(key),
    keys: async () => {
      const all = storage()
      const found: string[] = []
      for (let i = 0; i < all.length; i++) {
        const key = all.key(i)
        if (key?.startsWith(prefix)) found.push(key.slice(prefix.length))
      }
      return found
    },
    // Synchronous, so atomic; an unreadable value is removed all the same.
    take: async (key) => {
      try {
        return read(key)
      } finally {
        remove(key)
      }
    },
  }
}
