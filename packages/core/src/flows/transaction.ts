// One-time login transactions: what login() must remember for handleRedirect() after the redirect.
// Loaded on demand, with the flows that use it (the authorization request, the callback, logout).
import type { TakingStore } from '../first/kv.js'
import type { ProtocolContext } from '../protocol/context.js'
import { withFallback } from './fallbackStore.js'

/** How long a started login may take before its callback is refused. */
export const TRANSACTION_LIFETIME_MS = 10 * 60 * 1000

/** What is stored for one login attempt, keyed by its `state`. */
export interface Transaction {
  state: string
  issuer: string
  clientId: string
  redirectUri: string
  codeVerifier: string
  /** Present when `openid` was requested; the ID token must carry it back. */
  nonce?: string
  /** Whether the authorization request carried `dpop_jkt`, so the code exchange needs a proof. */
  dpop?: boolean
  /** The `max_age` sent, which the ID token's `auth_time` must satisfy. */
  maxAge?: number
  /** The `acr_values` sent (with `acrValues`), one of which the ID token's `acr` must be. */
  acrValues?: string[]
  /** What the sign-in asked for the `apis` (see `Session.apisAsked`). */
  apis?: string[]
  /**
   * Set when the response comes back in a popup or a hidden iframe: its callback page hands it
   * to the window that started the sign-in, which completes it.
   */
  relay?: 'popup' | 'frame'

  returnTo: string
  createdAt: number
}

/** The outcome of {@link TransactionStore.take}. */
export type TakeResult =
  | { kind: 'found'; transaction: Transaction }
  | { kind: 'expired' }
  | { kind: 'missing'; otherPending: boolean }

/**
 * Stores transactions for one issuer + client. {@link TransactionStore.take} deletes what it
 * returns with the store's own `take` (atomic where the store underneath has one), so a callback
 * can be used once only.
 */
export class TransactionStore {
  readonly #kv: TakingStore
  readonly #prefix: string

  constructor(kv: TakingStore, issuer: string, clientId: string) {
    this.#kv = kv
    this.#prefix = `latchkey:${issuer}:${clientId}:tx:`
  }

  async save(transaction: Transaction): Promise<void> {
    await this.#kv.set(this.#prefix + transaction.state, transaction)
  }

  /** Removes and returns the transaction for `state`, refusing it when older than its lifetime. */
  async take(state: string, now: number): Promise<TakeResult> {
    // Read and deleted in one step, so of two pages loading the same callback only one finds it.
    const transaction = await this.#kv.take<Transaction>(this.#prefix + state)
    if (transaction !== undefined) {
      if (!isTransaction(transaction) || transaction.state !== state) return { kind: 'expired' }
      if (now - transaction.createdAt > TRANSACTION_LIFETIME_MS || now < transaction.createdAt) {
        return { kind: 'expired' }
      }
      return { kind: 'found', transaction }
    }
    const others = await this.#ownKeys()
    return { kind: 'missing', otherPending: others.length > 0 }
  }

  /** The transaction for `state` without taking it; `undefined` when none can be read. */
  async find(state: string): Promise<Transaction | undefined> {
    const transaction = await this.#kv.get<Transaction>(this.#prefix + state).catch(() => undefined)
    return isTransaction(transaction) ? transaction : undefined
  }

  /** Deletes transactions older than their lifetime (and unreadable ones). */
  async purgeExpired(now: number): Promise<void> {
    for (const key of await this.#ownKeys()) {
      const transaction = await this.#kv.get<Transaction>(key)
      if (!isTransaction(transaction) || now - transaction.createdAt > TRANSACTION_LIFETIME_MS) {
        await this.#kv.del(key)
      }
    }
  }

  /** Deletes every transaction of this client. */
  async clear(): Promise<void> {
    for (const key of await this.#ownKeys()) await this.#kv.del(key)
  }

  async #ownKeys(): Promise<string[]> {
    return (await this.#kv.keys()).filter((key) => key.startsWith(this.#prefix))
  }
}

// Each client's transaction storage, made once: it falls back for the page's life.
const storages = new WeakMap<ProtocolContext, TakingStore>()

/**
 * The transactions of `ctx`'s client: in IndexedDB, else (once it failed, reported once) in
 * sessionStorage, which survives the redirect too.
 */
export function transactionsOf(ctx: ProtocolContext): TransactionStore {
  const { platform } = ctx
  let storage = storages.get(ctx)
  if (storage === undefined) {
    storage = withFallback(platform.storage, platform.tabStorage, (cause) =>
      ctx.reportStorage(
        new ctx.protocol.AuthError(
          'storage_unavailable',
          'IndexedDB is unavailable; login transactions use sessionStorage and sessions stay in memory.',
          { cause },
        ),
      ),
    )
    storages.set(ctx, storage)
  }
  return new TransactionStore(storage, ctx.cfg.issuer.href, ctx.cfg.clientId)
}

function isTransaction(value: unknown): value is Transaction {
  if (typeof value !== 'object' || value === null) return false
  const t = value as Record<string, unknown>
  return (
    typeof t.state === 'string' &&
    typeof t.issuer === 'string' &&
    typeof t.clientId === 'string' &&
    typeof t.redirectUri === 'string' &&
    typeof t.codeVerifier === 'string' &&
    (t.nonce === undefined || typeof t.nonce === 'string') &&
    (t.dpop === undefined || typeof t.dpop === 'boolean') &&
    (t.maxAge === undefined || typeof t.maxAge === 'number') &&
    (t.acrValues === undefined || Array.isArray(t.acrValues)) &&
    (t.apis === undefined || Array.isArray(t.apis)) &&
    (t.relay === undefined || t.relay === 'popup' || t.relay === 'frame') &&
    typeof t.returnTo === 'string' &&
    typeof t.createdAt === 'number'
  )
}
