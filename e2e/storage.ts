// Reading the SDK's IndexedDB store from a page with the raw API, for assertions.
import type { Page } from '@playwright/test'

/** Every key in the SDK's IndexedDB store (`latchkey` / `kv`); never creates the database. */
export async function storedKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
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
          const request = db.transaction('kv', 'readonly').objectStore('kv').getAllKeys()
          request.onsuccess = () => {
            db.close()
            resolve(request.result.map(String))
          }
          request.onerror = () => reject(request.error)
        }
      }),
  )
}
