// Access tokens cached per scope + resource; concurrent callers share one token request.
import { isAuthError } from '@latchkey/core/internal'
import { isTransient } from './retry.js'

/** What a token is requested for; tokens for different parameters are cached apart. */
export interface TokenParams {
  scope: string | undefined
  resource: string | undefined
}

/** A token as the server issued it. */
export interface IssuedToken {
  accessToken: string
  /** `expires_in` of the token response, in seconds, when the server sent it. */
  expiresIn: number | undefined
}

/** What {@link createTokenCache} needs; tests pass a fake clock and request. */
export interface TokenCacheDeps {
  now(): number
  /** How long before expiry a token is replaced, in milliseconds (at most half its lifetime). */
  leewayMs: number
  /** Sends one token request (retries included); rejects with an {@link AuthError}. */
  request(params: TokenParams): Promise<IssuedToken>
}

/** Options of one {@link TokenCache.get}. */
interface TokenCacheGetOptions {
  /** Get a new token even if the cached one is still fresh. */
  forceRefresh?: boolean
  /** A token an API rejected: never returned again. */
  rejected?: string
}

/** See {@link createTokenCache}. */
export interface TokenCache {
  get(params: TokenParams, options?: TokenCacheGetOptions): Promise<string>
}

interface CachedToken {
  value: string
  /** When the server stops accepting it (`Infinity` when it sent no `expires_in`). */
  expiresAt: number
  /** When it is replaced: `expiresAt` minus the leeway. */
  staleAt: number
}

interface Entry {
  token?: CachedToken
  pending?: Promise<CachedToken>
}

/**
 * A token cache keyed by scope (order-insensitive) and resource. A token is reused until it is
 * within the leeway of its expiry; then, or when forced or rejected, the next caller starts one
 * token request that every caller arriving meanwhile shares. A token that failed to be replaced
 * for a transient reason is still returned while it has not expired.
 */
export function createTokenCache(deps: TokenCacheDeps): TokenCache {
  const entries = new Map<string, Entry>()

  function issue(key: string, params: TokenParams, fallback: CachedToken | undefined) {
    const entry: Entry = {}
    const startedAt = deps.now()
    entry.pending = deps.request(params).then(
      ({ accessToken, expiresIn }) => {
        // Counted from before the request, so the cached lifetime never outlasts the real one.
        const lifetimeMs = expiresIn === undefined ? Infinity : expiresIn * 1000
        const token: CachedToken = {
          value: accessToken,
          expiresAt: startedAt + lifetimeMs,
          staleAt: startedAt + lifetimeMs - Math.min(deps.leewayMs, lifetimeMs / 2),
        }
        if (entries.get(key) === entry) entries.set(key, { token })
        return token
      },
      (error: unknown) => {
        if (entries.get(key) === entry) entries.delete(key)
        if (
          fallback !== undefined &&
          deps.now() < fallback.expiresAt &&
          isAuthError(error) &&
          isTransient(error)
        ) {
          if (!entries.has(key)) entries.set(key, { token: fallback })
          return fallback
        }
        throw error
      },
    )
    entries.set(key, entry)
    return entry.pending
  }

  return {
    async get(params, options = {}) {
      const key = cacheKey(params)
      const entry = entries.get(key)
      if (entry?.pending !== undefined) return (await entry.pending).value
      const token = entry?.token
      const reusable =
        token !== undefined && token.value !== options.rejected && deps.now() < token.staleAt
      if (reusable && options.forceRefresh !== true) return token.value
      // A token still valid but in its leeway is a fallback should the refresh fail transiently.
      const fallback = reusable || token?.value === options.rejected ? undefined : token
      return (await issue(key, params, options.forceRefresh === true ? undefined : fallback)).value
    },
  }
}

function cacheKey({ scope, resource }: TokenParams): string {
  const scopes = scope === undefined ? [] : [...new Set(scope.split(' '))].sort()
  return JSON.stringify([scopes, resource ?? null])
}
