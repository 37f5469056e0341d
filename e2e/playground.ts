// What the e2e specs need to drive the playground: its URLs, its test hooks, and the sign-in pages.
import { type BrowserContext, expect, type Page } from '@playwright/test'
import type { ApiRequestRecord } from '../playground/server/api.js'
import type { ParRequestRecord, TokenRequestRecord } from '../playground/server/authServer.js'

export const SPA = 'http://localhost:5173'
export const ISSUER = 'http://localhost:4000'
export const API = 'http://localhost:4001'
/** The reports API: a second API with its own audience (this URL) and scope `reports:read`. */
export const REPORTS = 'http://localhost:4002'
export const CLIENT_ID = 'latchkey-spa'
/** The SPA's refresh leeway in seconds: playwright.config.ts starts the playground with it. */
const REFRESH_LEEWAY_S = 2
/** IndexedDB key of the SPA's persisted session (database `latchkey`, object store `kv`). */
export const SESSION_KEY = `latchkey:${new URL(ISSUER).href}:${CLIENT_ID}:session`
/** The signed-in marker's key in localStorage (1 signed in, 0 signed out, absent unknown). */
export const MARKER_KEY = `latchkey:${new URL(ISSUER).href}:${CLIENT_ID}:signed-in`
/** IndexedDB key of the SDK's DPoP key pair (`{ alg, keyPair }`) for the playground's client. */
export const DPOP_KEY_KEY = `latchkey:${new URL(ISSUER).href}:${CLIENT_ID}:dpop-key`

/** The authorization server's runtime settings (`/__playground/config` on the issuer). */
export interface AuthServerConfig {
  /** Lifetime in seconds of access tokens issued from now on. */
  accessTokenTtl: number
  /** DPoP proofs at the token endpoint must carry the server's nonce. */
  dpopNonce: boolean
  /** The discovery document lists `dpop_signing_alg_values_supported`. */
  advertiseDpop: boolean
  /** The server's HTML pages send `Cross-Origin-Opener-Policy: same-origin`. */
  coop: boolean
  /** The SPA client must push its authorization requests (RFC 9126), and the metadata says so. */
  requirePar: boolean
}

/** The demo API's runtime settings (`/__playground/config` on the API). */
export interface ApiConfig {
  /** DPoP proofs must carry the API's nonce. */
  dpopNonce: boolean
}

/** What every spec may assume at its start; `resetPlaygroundConfig()` restores it. */
const DEFAULT_AUTH_SERVER_CONFIG: AuthServerConfig = {
  accessTokenTtl: 300,
  dpopNonce: false,
  advertiseDpop: true,
  coop: false,
  requirePar: false,
}
const DEFAULT_API_CONFIG: ApiConfig = { dpopNonce: false }

/** The parts of the SPA's Auth instance (`window.latchkey`) the specs call directly. */
interface LatchkeyHandle {
  readonly tabId: string
  authFetch(input: string, init?: RequestInit): Promise<Response>
  getAccessToken(options?: { forceRefresh?: boolean; api?: string }): Promise<string>
  login(options?: { returnTo?: string }): Promise<void>
  /** Opens the sign-in popup; call it in a user gesture (a click, or `page.evaluate`). */
  loginWithPopup(options?: { timeoutMs?: number; prompt?: string }): Promise<void>
  /** `prompt=none` in a hidden iframe; rejects with `login_required` or `timeout`. */
  loginSilently(options?: { timeoutMs?: number }): Promise<void>
  logout(options?: { returnTo?: string; localOnly?: boolean }): Promise<void>
  getState(): {
    status: string
    dpop: boolean
    /** The session came from a silent sign-in (automatic restore or `loginSilently()`). */
    silent: boolean
    expiresAt: number | null
    refreshedAt: number | null
    refreshedBy: string | null
    error: { code: string } | null
  }
}

declare global {
  interface Window {
    latchkey: LatchkeyHandle
  }
}

/** The persisted session as the SDK stores it in IndexedDB. */
export interface StoredSession {
  accessToken: string
  refreshToken?: string
  expiresAt: number
  idToken?: string
  user?: Record<string, unknown>
  /** The `apis`' tokens, by origin (RFC 8707). */
  apis?: Record<string, { accessToken: string; expiresAt: number | null }>
}

/**
 * One request to the token endpoint, as the server saw it: its grant type, status, whether it
 * carried a DPoP proof, its `resource` and `scope` (to count refreshes per API), its error.
 */
type TokenRequest = TokenRequestRecord

/** One request to the pushed authorization request endpoint (RFC 9126), as the server saw it. */
export type ParRequest = ParRequestRecord

/** Every pushed authorization request the authorization server has received since it started. */
export async function parRequests(): Promise<ParRequest[]> {
  const response = await fetch(`${ISSUER}/__playground/stats`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { parRequests: ParRequest[] }).parRequests
}

/**
 * The parameters of the authorization request that a navigation to `url` (`/auth?...`) makes:
 * its query, or, when it carries a `request_uri` (a pushed request, RFC 9126), the parameters
 * pushed for it.
 */
export async function authorizationParams(url: string | URL): Promise<URLSearchParams> {
  const query = new URL(url).searchParams
  const requestUri = query.get('request_uri')
  if (requestUri === null) return query
  const pushed = (await parRequests()).find((request) => request.request_uri === requestUri)
  expect(pushed, `the server recorded the push of ${requestUri}`).toBeDefined()
  return new URLSearchParams(
    Object.entries(pushed?.params ?? {}).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((item) => [name, item]),
    ),
  )
}

/** Every request the authorization server's token endpoint has received since it started. */
export async function tokenRequests(): Promise<TokenRequest[]> {
  const response = await fetch(`${ISSUER}/__playground/stats`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { tokenRequests: TokenRequest[] }).tokenRequests
}

/** The token-endpoint requests with `grant_type=refresh_token` since the server started. */
export async function refreshTokenRequests(): Promise<TokenRequest[]> {
  return (await tokenRequests()).filter((r) => r.grant_type === 'refresh_token')
}

/**
 * Sets the lifetime of access tokens the authorization server issues from now on.
 * Specs that shorten it reset it to 300 in `afterEach`.
 */
export async function setAccessTokenTtl(seconds: number): Promise<void> {
  await setAuthServerConfig({ accessTokenTtl: seconds })
}

/** Changes some of the authorization server's settings; the rest stay as they are. */
export async function setAuthServerConfig(
  partial: Partial<AuthServerConfig>,
): Promise<AuthServerConfig> {
  return postConfig(ISSUER, partial)
}

/** Changes some of the demo API's (or, with `api`, the reports API's) settings; the rest stay. */
export async function setApiConfig(
  partial: Partial<ApiConfig>,
  api: typeof API | typeof REPORTS = API,
): Promise<ApiConfig> {
  return postConfig(api, partial)
}

/** Puts the servers back to their defaults: call it in `afterEach` of specs that change them. */
export async function resetPlaygroundConfig(): Promise<void> {
  await setAuthServerConfig(DEFAULT_AUTH_SERVER_CONFIG)
  await setApiConfig(DEFAULT_API_CONFIG)
  await setApiConfig(DEFAULT_API_CONFIG, REPORTS)
}

async function postConfig<T extends object>(origin: string, partial: Partial<T>): Promise<T> {
  const response = await fetch(`${origin}/__playground/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(partial),
  })
  expect(response.status, `${origin}/__playground/config accepts the change`).toBe(200)
  const config = (await response.json()) as T
  expect(config as object).toMatchObject(partial)
  return config
}

/** Revokes a refresh token at the server the way a server-side admin action would (RFC 7009). */
export async function revokeAtServer(refreshToken: string): Promise<void> {
  const response = await fetch(`${ISSUER}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      token: refreshToken,
      token_type_hint: 'refresh_token',
      client_id: CLIENT_ID,
    }),
  })
  expect(response.status).toBe(200)
}

/**
 * Redeems a refresh token at the token endpoint directly, outside any browser. Only use it with
 * tokens expected to fail: a successful call rotates the token away from the SDK.
 */
export async function refreshDirectly(
  refreshToken: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${ISSUER}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: CLIENT_ID,
    }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** Whether the authorization server still honours `refreshToken` (not revoked or expired). */
export async function refreshTokenActive(refreshToken: string): Promise<boolean> {
  const response = await fetch(`${ISSUER}/__playground/refresh-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refresh_token: refreshToken }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { active: boolean }).active
}

/**
 * Reads the SDK's persisted session straight from IndexedDB in the page (raw API, no SDK code).
 * `undefined` when nothing is stored; never creates the database.
 */
export async function readStoredSession(page: Page): Promise<StoredSession | undefined> {
  return page.evaluate(
    (key) =>
      new Promise<StoredSession | undefined>((resolve, reject) => {
        const open = indexedDB.open('latchkey')
        // The database does not exist yet: abort instead of creating an empty one the SDK would
        // then find without its object store.
        open.onupgradeneeded = () => open.transaction?.abort()
        open.onerror = (event) => {
          event.preventDefault()
          resolve(undefined)
        }
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('kv')) {
            db.close()
            resolve(undefined)
            return
          }
          const get = db.transaction('kv', 'readonly').objectStore('kv').get(key)
          get.onsuccess = () => {
            db.close()
            resolve(get.result as StoredSession | undefined)
          }
          get.onerror = () => reject(get.error)
        }
      }),
    SESSION_KEY,
  )
}

/** Writes any value under the session key, creating the database the way idb-keyval would. */
export async function writeStoredSession(page: Page, value: unknown): Promise<void> {
  await page.evaluate(
    ([key, stored]) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('latchkey')
        open.onupgradeneeded = () => open.result.createObjectStore('kv')
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const tx = db.transaction('kv', 'readwrite')
          tx.objectStore('kv').put(stored, key)
          tx.oncomplete = () => {
            db.close()
            resolve()
          }
          tx.onerror = () => reject(tx.error)
        }
      }),
    [SESSION_KEY, value] as const,
  )
}

/**
 * Makes every tab of the context report itself hidden, as background tabs do, so the SDK's
 * proactive refresh timer stays paused: a refresh then has to come from the calls themselves,
 * and tests can count it without racing the timer. Call before the pages navigate.
 */
export async function asBackgroundTabs(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    Object.defineProperty(Document.prototype, 'visibilityState', {
      configurable: true,
      get: () => 'hidden',
    })
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => true })
  })
}

/**
 * Waits until the page's access token is inside the refresh leeway (so the next use refreshes it)
 * or, with `{ expired: true }`, past its expiry.
 */
export async function waitForTokenToAge(page: Page, options: { expired?: boolean } = {}) {
  const expiresAt = await page.evaluate(() => window.latchkey.getState().expiresAt)
  expect(expiresAt, 'the SPA knows when its access token expires').toEqual(expect.any(Number))
  const target = (expiresAt as number) - (options.expired ? 0 : REFRESH_LEEWAY_S * 1000) + 500
  const wait = target - Date.now()
  if (wait > 0) await page.waitForTimeout(wait)
}

/** One request the demo API recorded (its `/__playground/requests` hook). */
export type ApiRequest = ApiRequestRecord

/** Every request the demo API has received since it started. */
export async function apiRequests(): Promise<ApiRequest[]> {
  return requestsAt(API)
}

/** Every request the reports API has received since it started. */
export async function reportsRequests(): Promise<ApiRequest[]> {
  return requestsAt(REPORTS)
}

async function requestsAt(api: string): Promise<ApiRequest[]> {
  const response = await fetch(`${api}/__playground/requests`)
  expect(response.status).toBe(200)
  return (await response.json()) as ApiRequest[]
}

/**
 * Every URL the page's top-level frame navigates to from now on: what the user would see in the
 * address bar (frames inside the page are not counted).
 */
export function recordMainFrameNavigations(page: Page): string[] {
  const urls: string[] = []
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url())
  })
  return urls
}

/** Clicks "Sign in" and waits for the authorization server's login page. */
export async function startLogin(page: Page): Promise<void> {
  await page.goto('/')
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await expect(page.locator('input[name=login]')).toBeVisible()
}

/** Signs in through the dev login and consent pages, ending on the SPA, signed in. */
export async function signIn(page: Page, login: string): Promise<void> {
  await startLogin(page)
  await finishLogin(page, login)
}

/** From the authorization server's login page: signs in and consents, ending on the SPA, signed in. */
export async function finishLogin(page: Page, login: string): Promise<void> {
  await consentAt(page, login, SPA)
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
}

/** From the authorization server's login page: signs in as `login` and consents, back on `app`. */
export async function consentAt(page: Page, login: string, app: string): Promise<void> {
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  // The consent page shows on the first sign-in of a grant only.
  await Promise.race([consent.waitFor(), page.waitForURL(`${app}/**`)])
  if (page.url().startsWith(ISSUER)) await consent.click()
  await page.waitForURL(`${app}/**`)
}

/** Every authorization request (`/auth?...` at the server) the page makes from now on. */
export function recordAuthorizationRequests(page: Page): string[] {
  const urls: string[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(`${ISSUER}/auth?`)) urls.push(request.url())
  })
  return urls
}

/** Token-endpoint requests since the first `since`, as [grant_type, status]. */
export async function tokenRequestsSince(since: number) {
  return (await tokenRequests()).slice(since).map((r) => [r.grant_type, r.status] as const)
}

/**
 * On a demo app's protected page (React, Vue): the claims and expiry of `user`, and an API call
 * through authFetch that the API answers as that user.
 */
export async function checkProtectedPage(page: Page, user: string): Promise<void> {
  const claims = JSON.parse((await page.getByTestId('claims').textContent()) ?? 'null')
  expect(claims).toMatchObject({ sub: user, iss: ISSUER })
  await expect(page.getByTestId('expires-at')).not.toHaveText('unknown')
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  const body = JSON.parse(
    ((await page.getByTestId('api-result').textContent()) ?? '').replace(/^HTTP 200\s*/, ''),
  )
  expect(body.sub).toBe(user)
}

/** The `data-step` of every step the demo's flow inspector lists, top to bottom. */
async function inspectorSteps(page: Page): Promise<string[]> {
  return page
    .getByRole('region', { name: 'Flow inspector' })
    .locator('[data-step]')
    .evaluateAll((items) => items.map((item) => (item as HTMLElement).dataset.step ?? ''))
}

/**
 * Waits until the demo's flow inspector lists `steps` in this order, other steps allowed between
 * them; on failure, says which step is missing and shows the whole list.
 */
/** The steps of a redirect sign-in, in the order the flow inspector lists them. */
export const SIGN_IN_STEPS = [
  'pkce',
  'authorize',
  'server_sign_in',
  'callback',
  'token_request',
  'token_response',
  'tokens_validated',
]

export async function expectInspectorSteps(page: Page, steps: string[]): Promise<void> {
  await expect
    .poll(async () => orderProblem(steps, await inspectorSteps(page)), {
      message: `the flow inspector lists ${steps.join(' → ')}, in this order`,
    })
    .toBeNull()
}

/** `null` when `expected` is a subsequence of `actual`, else what breaks it. */
function orderProblem(expected: string[], actual: string[]): string | null {
  let from = 0
  for (const step of expected) {
    const at = actual.indexOf(step, from)
    if (at < 0) {
      const after = from === 0 ? '' : ` after ${actual[from - 1]} (#${from})`
      return `no ${step}${after} in: ${actual.join(' → ') || '(no steps)'}`
    }
    from = at + 1
  }
  return null
}

/** The SDK's stored DPoP key pair, as the page itself can see it (raw IndexedDB + WebCrypto). */
export interface StoredDpopKey {
  /** Every key in the `kv` store that names a DPoP key pair. */
  keyNames: string[]
  /** `name` and `namedCurve` of the key pair, e.g. `ECDSA P-256`. */
  algorithm: string
  /** `privateKey.extractable` and `privateKey.type`. */
  privateExtractable: boolean
  privateType: string
  /** What `crypto.subtle.exportKey(format, privateKey)` did: `exported`, or the error's name. */
  privateExport: { jwk: string; pkcs8: string }
  /** RFC 7638 JWK SHA-256 thumbprint of the public key: what `dpop_jkt` and `cnf.jkt` hold. */
  thumbprint: string
}

/**
 * Reads the DPoP key pair under {@link DPOP_KEY_KEY} in the page, with no SDK code; `undefined`
 * when none is stored. The page must be on the SPA's origin.
 */
export async function readStoredDpopKey(page: Page): Promise<StoredDpopKey | undefined> {
  return page.evaluate(async (key) => {
    const db = await new Promise<IDBDatabase | undefined>((resolve) => {
      const open = indexedDB.open('latchkey')
      open.onupgradeneeded = () => open.transaction?.abort()
      open.onerror = (event) => {
        event.preventDefault()
        resolve(undefined)
      }
      open.onsuccess = () => resolve(open.result)
    })
    if (!db) return undefined
    if (!db.objectStoreNames.contains('kv')) {
      db.close()
      return undefined
    }
    const [keyNames, pair] = await new Promise<[IDBValidKey[], unknown]>((resolve, reject) => {
      const store = db.transaction('kv', 'readonly').objectStore('kv')
      const all = store.getAllKeys()
      const one = store.get(key)
      one.onsuccess = () => resolve([all.result, one.result])
      one.onerror = () => reject(one.error)
    })
    db.close()
    // Stored as `{ alg, keyPair }`; a bare CryptoKeyPair is read as well.
    const stored = (pair ?? {}) as Partial<CryptoKeyPair> & { keyPair?: Partial<CryptoKeyPair> }
    const { privateKey, publicKey } = stored.keyPair ?? stored
    if (!(privateKey instanceof CryptoKey) || !(publicKey instanceof CryptoKey)) return undefined

    const attempt = (format: 'jwk' | 'pkcs8') =>
      crypto.subtle.exportKey(format, privateKey).then(
        () => 'exported',
        (error: unknown) => (error instanceof Error ? error.name : String(error)),
      )
    const jwk = await crypto.subtle.exportKey('jwk', publicKey)
    // RFC 7638 section 3.2: the required members only, in lexicographic order, no whitespace.
    const members: Record<string, string[]> = {
      EC: ['crv', 'kty', 'x', 'y'],
      RSA: ['e', 'kty', 'n'],
      OKP: ['crv', 'kty', 'x'],
    }
    const required = members[jwk.kty ?? ''] ?? []
    const canonical = JSON.stringify(
      Object.fromEntries(required.map((name) => [name, jwk[name as keyof JsonWebKey]])),
    )
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)),
    )
    const thumbprint = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
    const algorithm = privateKey.algorithm as EcKeyAlgorithm
    return {
      keyNames: keyNames.map(String).filter((name) => name.endsWith(':dpop-key')),
      algorithm: [algorithm.name, algorithm.namedCurve].filter(Boolean).join(' '),
      privateExtractable: privateKey.extractable,
      privateType: privateKey.type,
      privateExport: { jwk: await attempt('jwk'), pkcs8: await attempt('pkcs8') },
      thumbprint,
    }
  }, DPOP_KEY_KEY)
}
