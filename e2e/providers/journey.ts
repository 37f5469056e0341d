// What the provider lab's specs share: Chromium with third-party cookies allowed or blocked by its
// own setting, the lab's app page and hooks, the provider's sign-in pages, and the journeys.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BrowserContext, chromium, expect, type Page, test } from '@playwright/test'
import { findChromium } from '../../scripts/browser.mjs'
import type { ApiRecord, ProviderLog } from './lab.js'
import { API, APP } from './urls.js'

/** The parts of the harness page's client (`window.lab`) the specs call. */
interface LabAuth {
  authFetch(input: string, init?: RequestInit): Promise<Response>
  getAccessToken(options?: { api?: string; forceRefresh?: boolean }): Promise<string>
  login(options?: { params?: Record<string, string> }): Promise<void>
  loginSilently(options?: { timeoutMs?: number }): Promise<void>
  logout(options?: { params?: Record<string, string> }): Promise<void>
  getState(): {
    status: string
    dpop: boolean
    silent: boolean
    error: { code: string; message: string } | null
  }
}

declare global {
  interface Window {
    lab: LabAuth
    labReady?: boolean
    /** Every `onEvent` event of the page's client, in order (see the harness in server.ts). */
    labEvents: Array<{ step: string }>
  }
}

/** Client options a test overrides on the app page (see the harness in server.ts). */
interface AppOverrides {
  dpop?: 'auto' | boolean
  storage?: 'auto' | 'indexeddb' | 'memory'
  scope?: string
  authorizationParams?: Record<string, string>
  endSessionEndpoint?: string
  logoutReturnToParam?: string
  multiTenant?: boolean | { tenants: string[] }
  silentLogin?: 'auto' | false
  restoreTimeoutMs?: number
  /** Tokens per API (RFC 8707): each entry's origin gets a token of its own. */
  apis?: Array<{ origin: string; resource?: string; scope?: string }>
}

/**
 * Chromium on a persistent profile in `dir`, with third-party cookies allowed or blocked by the
 * browser's own cookie setting (`profile.cookie_controls_mode` in the profile's Preferences, what
 * chrome://settings/cookies writes: 0 allows them, 1 blocks them). This Chromium blocks them in
 * Playwright's default (off-the-record) contexts, so "allowed" needs a profile of its own too.
 * Closing the context and opening the same `dir` again keeps cookies, IndexedDB and the
 * provider's session, as a browser restart does; only the setting changes.
 */
export async function openBrowser(
  dir: string,
  thirdPartyCookies: 'allowed' | 'blocked',
): Promise<BrowserContext> {
  const preferencesFile = join(dir, 'Default', 'Preferences')
  mkdirSync(join(dir, 'Default'), { recursive: true })
  const preferences = existsSync(preferencesFile)
    ? (JSON.parse(readFileSync(preferencesFile, 'utf8')) as { profile?: Record<string, unknown> })
    : {}
  preferences.profile = {
    ...preferences.profile,
    cookie_controls_mode: thirdPartyCookies === 'allowed' ? 0 : 1,
  }
  writeFileSync(preferencesFile, JSON.stringify(preferences))
  const launch = findChromium() ?? { args: [] }
  return chromium.launchPersistentContext(dir, { ...launch, headless: true })
}

/** The app page for `provider`, with overrides the page keeps for the rest of the tab's life. */
function appUrl(provider: string, overrides?: AppOverrides): string {
  const page = `${APP}/${provider}/`
  return overrides ? `${page}?lab=${encodeURIComponent(JSON.stringify(overrides))}` : page
}

/** Opens the app page and waits until it has handled any callback. */
export async function openApp(page: Page, provider: string, overrides?: AppOverrides) {
  await page.goto(appUrl(provider, overrides))
  await page.waitForFunction(() => window.labReady === true)
}

/** Waits for the app's status line to show `status`. */
export async function expectStatus(page: Page, status: string): Promise<void> {
  await expect(page.locator('#status')).toHaveText(status)
}

/** What the lab's hooks report for `provider` (token and authorization requests since start). */
export async function providerLog(provider: string): Promise<ProviderLog> {
  const response = await fetch(`${APP}/__lab/${provider}/log`)
  expect(response.status).toBe(200)
  return (await response.json()) as ProviderLog
}

/** Every call the API emulator answered since start. */
async function apiLog(): Promise<ApiRecord[]> {
  const response = await fetch(`${APP}/__lab/api/log`)
  expect(response.status).toBe(200)
  return (await response.json()) as ApiRecord[]
}

/** The provider's origin and issuer, from the app's configuration. */
export async function issuerOf(provider: string): Promise<string> {
  const response = await fetch(`${APP}/__lab/${provider}/config`)
  return ((await response.json()) as { issuer: string }).issuer
}

/** The endpoints the provider's discovery document names. */
export async function metadataOf(provider: string) {
  const issuer = (await issuerOf(provider)).replace(/\/$/, '')
  return (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string
    token_endpoint: string
    end_session_endpoint: string
  }
}

/**
 * The origin of the provider's sign-in pages: its authorization endpoint's, which is not the
 * issuer's everywhere (Amazon Cognito's managed-login domain).
 */
async function signInOrigin(provider: string): Promise<string> {
  return new URL((await metadataOf(provider)).authorization_endpoint).origin
}

/**
 * Clicks "Sign in" on the app page and signs in at the provider's login page (any name and
 * password) and consent page, ending back on the app, signed in.
 */
export async function signIn(page: Page, provider: string, login = 'alice'): Promise<void> {
  const origin = await signInOrigin(provider)
  await page.locator('#login').click()
  await page.waitForURL(`${origin}/**`)
  await expect(page.locator('input[name=login]')).toBeVisible()
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  // The consent page shows on the first sign-in of a grant only.
  await Promise.race([consent.waitFor(), page.waitForURL(`${APP}/**`)])
  if (page.url().startsWith(origin)) await consent.click()
  await page.waitForURL(`${APP}/${provider}/`)
  await expectStatus(page, 'authenticated')
}

/** The error in the page's client state (code, message, the server's `error`), or `null`. */
export async function errorOf(page: Page) {
  return page.evaluate(() => {
    const error = window.lab.getState().error as { code: string; message: string; error?: string }
    return error && { code: error.code, message: error.message, error: error.error }
  })
}

/**
 * One API call through `authFetch` in the page: status, JSON body and challenge. `path` is on the
 * lab's API, or on `origin` (the second API, REPORTS_API).
 */
export async function callApi(page: Page, path: string, origin = API) {
  return page.evaluate(async (url) => {
    const response = await window.lab.authFetch(url)
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as {
        sub?: string
        scheme?: string
        tokenSha256?: string
      } | null,
      challenge: response.headers.get('www-authenticate'),
    }
  }, `${origin}${path}`)
}

/** What `authFetch(url)` in the page comes to: the status it resolved with, or the AuthError. */
export async function authFetchOutcome(page: Page, url: string) {
  return page.evaluate(async (target) => {
    try {
      const response = await window.lab.authFetch(target)
      return { resolved: response.status }
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string }
      return { code, message }
    }
  }, url)
}

/** SHA-256 (base64url) of the page's current access token: what the API echoes back. */
export async function accessTokenHash(page: Page, forceRefresh = false): Promise<string> {
  const token = await page.evaluate(
    (force) => window.lab.getAccessToken({ forceRefresh: force }),
    forceRefresh,
  )
  return createHash('sha256').update(token).digest('base64url')
}

/**
 * The provider's own test of whether its session is over: the app's sign-in, which goes to the
 * provider as a top-level page (first-party cookies even when third-party ones are blocked), must
 * show the login form again rather than come straight back signed in.
 */
export async function expectProviderAsksToSignIn(page: Page, provider: string): Promise<void> {
  const origin = await signInOrigin(provider)
  await page.locator('#login').click()
  await page.waitForURL(`${origin}/**`)
  await expect(page.locator('input[name=login]')).toBeVisible()
}

/** The provider's session cookies in the context's jar (first-party to the provider). */
async function providerCookies(context: BrowserContext, provider: string): Promise<string[]> {
  const origin = new URL(await issuerOf(provider)).origin
  return (await context.cookies(origin)).map((cookie) => cookie.name)
}

/** What a spec adds to the standard journeys: the provider's own traits, checked where they show. */
export interface JourneyChecks {
  /** After the first sign-in with DPoP: the token requests it made, and the callback URL. */
  afterDpopSignIn?(details: { log: ProviderLog; callbackUrl: string }): Promise<void> | void
}

/**
 * Declares a provider's standard journeys (call at the top of its spec file):
 * - a DPoP session (`dpop: 'auto'` against a provider that offers DPoP): sign in, call the API,
 *   reload (restored from IndexedDB, no silent sign-in), restart the browser with third-party
 *   cookies blocked (still restored: no cookie needed), refresh (rotation checked at the server),
 *   sign out through the provider's end-session endpoint, and the provider asks to sign in again;
 * - a Bearer session (`dpop: false`): sign in, call the API and the Bearer-only API, reload
 *   (restored by the silent sign-in iframe with the provider's third-party cookie), restart with
 *   third-party cookies blocked (the silent sign-in gets no cookie: signed out, not stuck in
 *   loading, and "Sign in" works), refresh, sign out, and the provider session is over;
 * - the Bearer-only API with `dpop: 'auto'`: `authFetch` rejects with `dpop_not_accepted`.
 */
export function providerJourneys(provider: string, checks: JourneyChecks = {}): void {
  test.describe(`${provider} journeys`, () => {
    let context: BrowserContext | undefined
    test.afterEach(async () => {
      await context?.close()
      context = undefined
    })

    test('a DPoP session: sign in, API, reloads with third-party cookies allowed and blocked, refresh, sign out', async () => {
      const profile = test.info().outputPath('profile')
      context = await openBrowser(profile, 'allowed')
      let page = await context.newPage()
      const callbacks: string[] = []
      page.on('request', (request) => {
        if (request.url().startsWith(`${APP}/${provider}/callback`)) callbacks.push(request.url())
      })
      const before = await providerLog(provider)
      await openApp(page, provider)
      await expectStatus(page, 'unauthenticated')
      await signIn(page, provider)
      expect(await page.evaluate(() => window.lab.getState().dpop)).toBe(true)
      const afterSignIn = await providerLog(provider)
      const log = {
        authorize: afterSignIn.authorize.slice(before.authorize.length),
        token: afterSignIn.token.slice(before.token.length),
      }
      expect(log.token.at(-1)).toMatchObject({
        grant_type: 'authorization_code',
        status: 200,
        dpop: true,
      })
      await checks.afterDpopSignIn?.({ log, callbackUrl: callbacks[0] ?? '' })

      // The API validated this very token, DPoP-bound.
      const signedIn = await callApi(page, `/${provider}/me`)
      expect(signedIn).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'DPoP' } })
      expect(signedIn.body?.tokenSha256).toBe(await accessTokenHash(page))

      // Reload: the persisted DPoP session comes back from IndexedDB, no silent sign-in.
      const authorizeBeforeReload = (await providerLog(provider)).authorize.length
      await page.reload()
      await expectStatus(page, 'authenticated')
      expect(await page.evaluate(() => window.lab.getState().silent)).toBe(false)
      expect((await providerLog(provider)).authorize.length).toBe(authorizeBeforeReload)

      // A browser restart with third-party cookies blocked: the session needs no cookie.
      await context.close()
      context = await openBrowser(profile, 'blocked')
      page = await context.newPage()
      await openApp(page, provider)
      await expectStatus(page, 'authenticated')
      expect((await providerLog(provider)).authorize.length).toBe(authorizeBeforeReload)
      expect(await callApi(page, `/${provider}/me`)).toMatchObject({
        status: 200,
        body: { scheme: 'DPoP' },
      })

      await expectRefreshRotates(page, provider)
      await signOut(page, provider)
      await expectProviderAsksToSignIn(page, provider)
    })

    test('a Bearer session: the silent sign-in restores it with third-party cookies, not without', async () => {
      const profile = test.info().outputPath('profile')
      context = await openBrowser(profile, 'allowed')
      let page = await context.newPage()
      await openApp(page, provider, { dpop: false })
      await signIn(page, provider)
      expect(await page.evaluate(() => window.lab.getState().dpop)).toBe(false)

      const me = await callApi(page, `/${provider}/me`)
      expect(me).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
      expect(me.body?.tokenSha256).toBe(await accessTokenHash(page))
      // The Bearer-only API answers a Bearer client.
      expect(await callApi(page, `/${provider}/bearer-only/me`)).toMatchObject({
        status: 200,
        body: { sub: 'alice', scheme: 'Bearer' },
      })

      // Reload: the Bearer session lived in memory; the silent sign-in iframe brings it back,
      // carrying the provider's session cookie into a third-party context.
      const before = (await providerLog(provider)).authorize.length
      await page.reload()
      await expectStatus(page, 'authenticated')
      expect(await page.evaluate(() => window.lab.getState().silent)).toBe(true)
      expect((await providerLog(provider)).authorize.slice(before)).toEqual([
        { prompt: 'none', cookie: true, dpopJkt: false },
      ])

      // A restart with third-party cookies blocked: the provider's cookie is still in the jar,
      // but the silent sign-in iframe does not get it, so the app settles signed out...
      await context.close()
      context = await openBrowser(profile, 'blocked')
      expect((await providerCookies(context, provider)).length).toBeGreaterThan(0)
      page = await context.newPage()
      const blockedFrom = (await providerLog(provider)).authorize.length
      await openApp(page, provider, { dpop: false })
      await expectStatus(page, 'unauthenticated')
      expect((await providerLog(provider)).authorize.slice(blockedFrom)).toEqual([
        { prompt: 'none', cookie: false, dpopJkt: false },
      ])
      // ...and "Sign in" works: the provider, a top-level page now, has its cookie and its
      // session, so the user comes straight back signed in.
      await page.locator('#login').click()
      await page.waitForURL(`${APP}/${provider}/`)
      await expectStatus(page, 'authenticated')

      await expectRefreshRotates(page, provider)
      await signOut(page, provider)
      await expectProviderAsksToSignIn(page, provider)
    })

    // The API knows only `Bearer` (its challenge says so): a DPoP client cannot be served, and
    // the SDK says which option to change instead of resolving with the 401.
    test('the Bearer-only API refuses a DPoP client: authFetch rejects with dpop_not_accepted', async () => {
      context = await openBrowser(test.info().outputPath('profile'), 'allowed')
      const page = await context.newPage()
      await openApp(page, provider)
      await signIn(page, provider)
      const outcome = await authFetchOutcome(page, `${API}/${provider}/bearer-only/me`)
      expect(outcome).toMatchObject({
        code: 'dpop_not_accepted',
        message: expect.stringContaining('dpop: false'),
      })
      const calls = (await apiLog()).filter((call) => call.path === `/${provider}/bearer-only/me`)
      expect(calls.at(-1)).toMatchObject({ scheme: 'DPoP', status: 401 })
    })
  })
}

/** A forced refresh gives a new access token, and the server no longer honours the old refresh token. */
async function expectRefreshRotates(page: Page, provider: string): Promise<void> {
  const before = await accessTokenHash(page)
  const from = (await providerLog(provider)).token.length
  const after = await accessTokenHash(page, true)
  expect(after).not.toBe(before)
  const refreshes = (await providerLog(provider)).token
    .slice(from)
    .filter((r) => r.grant_type === 'refresh_token')
  expect(refreshes.at(-1)).toMatchObject({
    status: 200,
    rotated: true,
    presentedStillHonoured: false,
  })
  expect((await callApi(page, `/${provider}/me`)).body?.tokenSha256).toBe(after)
}

/** `logout()` goes through the provider's end-session endpoint and back to the app, signed out. */
export async function signOut(page: Page, provider: string): Promise<void> {
  const { end_session_endpoint: endSession } = await metadataOf(provider)
  const visited: string[] = []
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url())
  })
  // Every page the browser asked for, also those answered with a redirect (Amazon Cognito's
  // /logout is a redirection endpoint: no page of its own is ever shown).
  const requested: string[] = []
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      requested.push(request.url())
    }
  })
  // logout() navigates away: the page's promise never settles.
  await page.evaluate(() => void window.lab.logout())
  await expect
    .poll(() => requested.findIndex((url) => url.startsWith(`${endSession}?`)), {
      message: 'logout() navigates to the end-session endpoint',
    })
    .toBeGreaterThanOrEqual(0)
  await expect
    .poll(() => visited.at(-1), { message: 'the provider sends the browser back to the app' })
    .toBe(`${APP}/${provider}/`)
  await page.waitForFunction(() => window.labReady === true)
  await expectStatus(page, 'unauthenticated')
}
