// Reading the SDK's IndexedDB store from a page with the raw API, for assertions.
import type { Page } from '@playwright/test'

/** Every key in the SDK's IndexedDB store (`latchkey` / `kv`); never creates the database. */
export async function storedKeys(page: Page): Promise<string[]> {
  return (await storedEntries(page)).map(([key]) => key)
}

/** Every key and value in the SDK's IndexedDB store; never creates the database. */
export async function storedEntries(page: Page): Promise<Array<[string, unknown]>> {
  return page.evaluate(
    () =>
      new Promise<Array<[string, unknown]>>((resolve, reject) => {
        const open = indexedDB.open('latchkey')
        open.onupgradeneeded = () => open.transaction?.abort()
        open.onerror = (event) => {
          event.preventDefault()
          resolve([])
        }
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('kv')) {
            db.close()
            resolve([])
            return
          }
          const store = db.transaction('kv', 'readonly').objectStore('kv')
          const keys = store.getAllKeys()
          const values = store.getAll()
          values.onsuccess = () => {
            db.close()
            resolve(keys.result.map((key, i) => [String(key), values.result[i]]))
          }
          values.onerror = () => reject(values.error)
        }
      }),
  )
}
