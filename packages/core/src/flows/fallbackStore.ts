// Login transactions' storage: IndexedDB, or sessionStorage for the rest of the page's life once
// IndexedDB fails. Loaded on demand with the flows, the only code that keeps transactions.
import type { KeyValueStore, TakingStore } from '../first/kv.js'

/** {@link KeyValueStore.take}, or a get then a del for a store without it. */
export async function takeFrom<T>(store: KeyValueStore, key: string): Promise<T | undefined> {
  if (store.take) return store.take<T>(key)
  const value = await store.get<T>(key)
  if (value !== undefined) await store.del(key)
  return value
}

/**
 * Writes to `primary` until it fails once, then to `fallback` for the rest of the page's life,
 * calling `onFail` that one time. Reads, takes and deletes look in both, `primary` first: what an
 * earlier page wrote is in `fallback` if `primary` failed there, even when it works here. Keeps
 * login working when IndexedDB is blocked or broken.
 */
export function withFallback(
  primary: KeyValueStore,
  fallback: KeyValueStore,
  onFail: (error: unknown) => void,
): TakingStore {
  let degraded = false
  // What `fallback` answers; while `primary` works, a fallback that fails (sessionStorage blocked)
  // holds nothing.
  const fromFallback = async <T>(op: (store: KeyValueStore) => Promise<T>) => {
    try {
      return await op(fallback)
    } catch (error) {
      if (degraded) throw error
    }
  }
  // What `primary` answers, or undefined when it fails.
  const fromPrimary = async <T>(op: (store: KeyValueStore) => Promise<T>) => {
    try {
      return await op(primary)
    } catch (error) {
      if (!degraded) onFail(error)
      degraded = true
    }
  }
  return {
    get: async (key) =>
      (await fromPrimary((store) => store.get(key))) ?? fromFallback((store) => store.get(key)),
    take: async (key) =>
      (await fromPrimary((store) => takeFrom(store, key))) ??
      fromFallback((store) => takeFrom(store, key)),
    set: async (key, value) => {
      if (!degraded) await fromPrimary((store) => store.set(key, value))
      if (degraded) await fallback.set(key, value)
    },
    del: async (key) => {
      await fromPrimary((store) => store.del(key))
      await fromFallback((store) => store.del(key))
    },
    keys: async () => [
      ...((await fromPrimary((store) => store.keys())) ?? []),
      ...((await fromFallback((store) => store.keys())) ?? []),
    ],
  }
}
