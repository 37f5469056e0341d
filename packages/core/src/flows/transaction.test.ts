import { describe, expect, it } from 'vitest'
import { type KeyValueStore, memoryStore } from '../first/kv.js'
import { takeFrom, withFallback } from './fallbackStore.js'
import { TRANSACTION_LIFETIME_MS, type Transaction, TransactionStore } from './transaction.js'

const NOW = 1_700_000_000_000

function transaction(state: string): Transaction {
  return {
    state,
    issuer: 'https://id.example.com/',
    clientId: 'spa',
    redirectUri: 'https://app.example.com/callback',
    codeVerifier: 'v'.repeat(43),
    returnTo: '/',
    createdAt: NOW,
  }
}

/** A store whose every call fails, as IndexedDB does in some private modes. */
function broken(): KeyValueStore {
  const fail = async () => {
    throw new DOMException(
      'The operation failed for reasons unrelated to the database.',
      'UnknownError',
    )
  }
  return { get: fail, set: fail, del: fail, keys: fail, take: fail }
}

const transactions = (primary: KeyValueStore, fallback: KeyValueStore) =>
  new TransactionStore(
    withFallback(primary, fallback, () => undefined),
    'https://id.example.com/',
    'spa',
  )

describe('TransactionStore', () => {
  it('gives a transaction to one of two concurrent takes only', async () => {
    const store = new TransactionStore(memoryStore(), 'https://id.example.com/', 'spa')
    await store.save(transaction('s1'))
    const results = await Promise.all([store.take('s1', NOW), store.take('s1', NOW)])
    expect(results.map((result) => result.kind).sort()).toEqual(['found', 'missing'])
  })

  it('gives it to one of two pages at once, each with its own TransactionStore', async () => {
    const shared = memoryStore()
    await transactions(shared, memoryStore()).save(transaction('s1'))
    const results = await Promise.all([
      transactions(shared, memoryStore()).take('s1', NOW),
      transactions(shared, memoryStore()).take('s1', NOW),
    ])
    expect(results.map((result) => result.kind).sort()).toEqual(['found', 'missing'])
  })

  it('finds a transaction saved in the fallback when the primary store works again', async () => {
    const tab = memoryStore() // sessionStorage survives the redirect
    await transactions(broken(), tab).save(transaction('s1')) // login(): IndexedDB failed
    const callbackPage = transactions(memoryStore(), tab) // IndexedDB works here
    expect(await callbackPage.take('s1', NOW)).toEqual({
      kind: 'found',
      transaction: transaction('s1'),
    })
    expect(await callbackPage.take('s1', NOW)).toEqual({ kind: 'missing', otherPending: false })
    expect(await tab.keys()).toEqual([])
  })

  it('after the primary failed once, saves in the fallback and still takes from both', async () => {
    const idb = memoryStore()
    let failing = false
    const flaky: KeyValueStore = {
      ...idb,
      take: (key) => (failing ? Promise.reject(new Error('connection lost')) : takeFrom(idb, key)),
    }
    const tab = memoryStore()
    const page = transactions(flaky, tab)
    await page.save(transaction('s1'))
    failing = true
    expect(await page.take('unknown', NOW)).toEqual({ kind: 'missing', otherPending: true })
    await page.save(transaction('s2'))
    expect(await tab.keys()).toEqual(['latchkey:https://id.example.com/:spa:tx:s2'])
    failing = false
    expect((await page.take('s1', NOW)).kind).toBe('found')
    expect((await page.take('s2', NOW)).kind).toBe('found')
  })

  it('counts a sign-in pending in either store as pending (state_mismatch, not missing)', async () => {
    const idb = memoryStore()
    const tab = memoryStore()
    await transactions(broken(), tab).save(transaction('s1'))
    expect(await transactions(idb, tab).take('forged', NOW)).toEqual({
      kind: 'missing',
      otherPending: true,
    })
  })

  it('purges and clears transactions in both stores', async () => {
    const idb = memoryStore()
    const tab = memoryStore()
    const later = NOW + TRANSACTION_LIFETIME_MS + 1
    await transactions(broken(), tab).save(transaction('tab-old'))
    await transactions(broken(), tab).save({ ...transaction('tab-new'), createdAt: later })
    await transactions(idb, tab).save(transaction('idb-old'))
    await transactions(idb, tab).save({ ...transaction('idb-new'), createdAt: later })
    await transactions(idb, tab).purgeExpired(later)
    expect([...(await idb.keys()), ...(await tab.keys())]).toEqual([
      'latchkey:https://id.example.com/:spa:tx:idb-new',
      'latchkey:https://id.example.com/:spa:tx:tab-new',
    ])
    await transactions(idb, tab).clear()
    expect([...(await idb.keys()), ...(await tab.keys())]).toEqual([])
  })
})
