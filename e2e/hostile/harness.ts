// Playwright helpers for the hostile specs: drive the harness page (the SDK built from source)
// against the hostile server, and collect what a test asserts on.

import { expect, type Page } from '@playwright/test'
import { storedKeys } from '../storage.js'
import {
  APP,
  AS1,
  CALLBACK,
  HOSTILE,
  HOSTILE_CLIENT_ID,
  type HostileLog,
  type Scenario,
} from './scenario.js'

/** The createAuth() options the harness passes (a subset of AuthConfig, kept JSON-serialisable). */
export interface HarnessConfig {
  issuer: string
  clientId: string
  redirectUri: string
  scope: string
  dpop: boolean | 'auto'
  timeoutMs: number
  storage: 'auto' | 'indexeddb' | 'memory'
}

/** The slice of the SDK's API the specs call inside the page. */
interface HarnessAuth {
  login(options?: { returnTo?: string }): Promise<void>
  handleRedirect(url?: string): Promise<{ returnTo: string } | null>
  getAccessToken(options?: { forceRefresh?: boolean }): Promise<string>
  authFetch(input: string, init?: RequestInit): Promise<Response>
  getState(): {
    status: string
    error: (Error & { code: string }) | null
    user: { sub: string } | null
    dpop?: boolean
  }
}

declare global {
  interface Window {
    Latchkey: {
      createAuth(config: HarnessConfig): HarnessAuth
      AuthError: abstract new (...args: never[]) => Error
    }
    harnessReady?: boolean
    pwned?: unknown
    auth?: HarnessAuth
  }
}

/**
 * The client every spec uses unless it says otherwise. `storage: 'indexeddb'` makes even Bearer
 * sessions persist, so "nothing stored" is checked where a successful sign-in would store.
 */
export function hostileConfig(overrides: Partial<HarnessConfig> = {}): HarnessConfig {
  return {
    issuer: AS1,
    clientId: HOSTILE_CLIENT_ID,
    redirectUri: CALLBACK,
    scope: 'openid profile offline_access',
    dpop: false,
    timeoutMs: 3000,
    storage: 'indexeddb',
    ...overrides,
  }
}

/** Replaces the server's scenario (`{}` is well-behaved) and empties its log. */
export async function setScenario(scenario: Scenario): Promise<void> {
  const response = await fetch(`${HOSTILE}/__hostile/scenario`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(scenario),
  })
  expect(response.status).toBe(200)
}

/** The authorization and token requests since the scenario was set. */
export async function hostileLog(): Promise<HostileLog> {
  return (await (await fetch(`${HOSTILE}/__hostile/log`)).json()) as HostileLog
}

/** Opens a harness page and waits for the SDK to be loaded. */
export async function openHarness(page: Page, url = APP): Promise<void> {
  await page.goto(url)
  await page.waitForFunction(() => window.harnessReady === true)
}

function isNavigation(error: unknown): boolean {
  return /Execution context was destroyed|navigat/i.test(String(error))
}

/**
 * Opens the app, calls `login()`, and follows the server's redirect back to the callback page,
 * where it waits for the SDK to be ready again.
 */
export async function startLogin(page: Page, config: HarnessConfig): Promise<void> {
  await openHarness(page)
  const landed = page.waitForURL((url) => url.pathname === '/app/callback')
  const failure = await page
    .evaluate(async (options) => {
      try {
        await window.Latchkey.createAuth(options).login()
        return null
      } catch (error) {
        return String(error)
      }
    }, config)
    .catch((error: unknown) => {
      if (isNavigation(error)) return null
      throw error
    })
  expect(failure).toBeNull()
  await landed
  await page.waitForFunction(() => window.harnessReady === true)
}

/** A failed SDK call as the page saw it, serialised every way an app might log it. */
interface Failure {
  code: string
  name: string
  message: string
  isAuthError: boolean
  error: string | undefined
  errorDescription: string | undefined
  json: string
  str: string
  stack: string
}

/** What happened on the page: the call's result or failure, and the SDK and page state after. */
export interface Outcome {
  ok: boolean
  failure: Failure | null
  status: string
  /** `getState().error`, JSON-serialised, or null. */
  stateError: string | null
  stateErrorCode: string | null
  user: { sub: string } | null
  dpop: boolean | undefined
  /** What `getAccessToken()` did afterwards: `token` or the error code. */
  tokenAfter: string
  href: string
  /** `history.length` right after landing on the callback, and after the call. */
  landedHistoryLength: number
  historyLength: number
}

/**
 * Calls `handleRedirect()` on the callback page with a new client for `config` (kept as
 * `window.auth`), and reports the outcome. `url` is passed on when given.
 */
export async function handleCallback(
  page: Page,
  config: HarnessConfig,
  url?: string,
): Promise<Outcome> {
  return page.evaluate(
    async ([options, callbackUrl]) => {
      const landedHistoryLength = history.length
      const auth = window.Latchkey.createAuth(options)
      window.auth = auth
      let failure: Failure | null = null
      try {
        await auth.handleRedirect(callbackUrl ?? undefined)
      } catch (caught) {
        const error = caught as Error & {
          code: string
          error?: string
          error_description?: string
        }
        failure = {
          code: error.code,
          name: error.name,
          message: error.message,
          isAuthError: error instanceof window.Latchkey.AuthError,
          error: error.error,
          errorDescription: error.error_description,
          json: JSON.stringify(error),
          str: String(error),
          stack: String(error.stack),
        }
      }
      const state = auth.getState()
      const tokenAfter = await auth.getAccessToken().then(
        () => 'token',
        (error: { code?: string }) => String(error.code),
      )
      return {
        ok: failure === null,
        failure,
        status: state.status,
        stateError: state.error === null ? null : JSON.stringify(state.error),
        stateErrorCode: state.error === null ? null : state.error.code,
        user: state.user,
        dpop: state.dpop,
        tokenAfter,
        href: location.href,
        landedHistoryLength,
        historyLength: history.length,
      }
    },
    [config, url ?? null] as const,
  )
}

/** The session keys in IndexedDB (a failed sign-in must leave none). */
export async function storedSessionKeys(page: Page): Promise<string[]> {
  return (await storedKeys(page)).filter((key) => key.endsWith(':session'))
}

/** Asserts the address bar lost every authorization response parameter, without a new entry. */
export function expectCleanAddressBar(outcome: Outcome): void {
  const url = new URL(outcome.href)
  for (const name of ['code', 'state', 'iss', 'error', 'error_description', 'error_uri']) {
    expect(url.searchParams.has(name), `${name} in ${outcome.href}`).toBe(false)
  }
  expect(outcome.historyLength).toBe(outcome.landedHistoryLength)
}

/** Asserts that no serialisation of the failure (or of the state's error) holds a secret. */
export function expectNoSecrets(outcome: Outcome, log: HostileLog, extra: string[] = []): void {
  const secrets = [
    ...extra,
    ...log.token.flatMap((request) => [
      request.form.code ?? '',
      request.form.code_verifier ?? '',
      request.form.refresh_token ?? '',
      ...Object.values(request.tokens ?? {}),
    ]),
  ].filter((value) => value.length >= 8)
  const failure = outcome.failure
  const texts = [
    failure?.json,
    failure?.str,
    failure?.stack,
    failure?.message,
    outcome.stateError,
  ].filter((text): text is string => typeof text === 'string')
  for (const text of texts) {
    // The fixture's codes and tokens all carry -SECRET-, ID tokens are JWTs.
    expect(text).not.toMatch(/-SECRET-|eyJ[\w-]+\.eyJ/)
    for (const secret of secrets) expect(text).not.toContain(secret)
  }
}

/**
 * Asserts the common outcome of a refused callback: a typed AuthError with `code`, state `error`
 * with the same error, no session in memory or IndexedDB, a clean address bar and no secrets in
 * the error.
 */
export async function expectRefused(page: Page, outcome: Outcome, code: string): Promise<void> {
  expect(outcome.failure, 'handleRedirect() must reject').not.toBeNull()
  expect(outcome.failure).toMatchObject({ code, name: 'AuthError', isAuthError: true })
  expect(outcome.status).toBe('error')
  expect(outcome.stateErrorCode).toBe(code)
  expect(outcome.user).toBeNull()
  expect(outcome.tokenAfter).toBe('login_required')
  expect(await storedSessionKeys(page)).toEqual([])
  expectCleanAddressBar(outcome)
  expectNoSecrets(outcome, await hostileLog())
}
