// Auth0 (e2e/providers/auth0.ts), new and older tenants, with the app configured as
// docs/guides/providers.md says: the API's `audience` in authorizationParams, and for an older
// tenant /v2/logout with endSessionEndpoint + logoutReturnToParam: 'returnTo'.
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import {
  accessTokenHash,
  callApi,
  expectProviderAsksToSignIn,
  expectStatus,
  issuerOf,
  openApp,
  openBrowser,
  providerLog,
  signIn,
} from './providers/journey.js'
import { APP } from './providers/urls.js'

/** The API's identifier at the lab's tenants (e2e/providers/auth0.ts). */
const AUDIENCE = 'https://api.example.com'
const CLIENT_ID = 'latchkey-auth0-spa'
/** The guide's configuration for a tenant whose discovery names /oidc/logout. */
const GUIDE = { authorizationParams: { audience: AUDIENCE } }

let context: BrowserContext | undefined
test.afterEach(async () => {
  await context?.close()
  context = undefined
})

/** The claims of the page's access token, or `null` when it is no JWT (an opaque token). */
async function accessTokenClaims(page: Page): Promise<Record<string, unknown> | null> {
  const token = await page.evaluate(() => window.lab.getAccessToken())
  const parts = token.split('.')
  if (parts.length !== 3) return null
  return JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'))
}

/** The authorization requests the page (and its iframes) makes from now on. */
function watchAuthorize(page: Page, issuer: string): URL[] {
  const seen: URL[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(`${issuer}authorize?`)) seen.push(new URL(request.url()))
  })
  return seen
}

/**
 * From a first sign-in to the end of the session: the API takes the token, a reload with
 * third-party cookies allowed restores the session by the silent sign-in (with `audience`) and
 * the API still takes the token, a restart with them blocked settles signed out at once and
 * "Sign in" works, a refresh rotates. Returns the page, signed in.
 */
async function apiAcrossReloads(
  page: Page,
  provider: string,
  overrides: Record<string, unknown>,
): Promise<Page> {
  const issuer = await issuerOf(provider)
  // A JWT for the API, which validates it.
  expect(await accessTokenClaims(page)).toMatchObject({
    aud: [AUDIENCE, `${issuer}userinfo`],
    azp: CLIENT_ID,
  })
  const me = await callApi(page, `/${provider}/me`)
  expect(me).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
  expect(me.body?.tokenSha256).toBe(await accessTokenHash(page))

  // Reload, third-party cookies allowed: the Bearer session lived in memory; the silent sign-in
  // brings it back, asking for the API again, so the API still answers.
  const authorize = watchAuthorize(page, issuer)
  const before = (await providerLog(provider)).authorize.length
  await page.reload()
  await expectStatus(page, 'authenticated')
  expect(await page.evaluate(() => window.lab.getState().silent)).toBe(true)
  expect((await providerLog(provider)).authorize.slice(before)).toEqual([
    { prompt: 'none', cookie: true, dpopJkt: false },
  ])
  expect(authorize.map((url) => url.searchParams.get('audience'))).toEqual([AUDIENCE])
  expect(await callApi(page, `/${provider}/me`)).toMatchObject({
    status: 200,
    body: { sub: 'alice', scheme: 'Bearer' },
  })

  // A restart with third-party cookies blocked: Auth0 answers the iframe's prompt=none, which
  // carries no cookie, with login_required: signed out well before restoreTimeoutMs (4 s).
  const profile = test.info().outputPath('profile')
  await context?.close()
  context = await openBrowser(profile, 'blocked')
  const blocked = await context.newPage()
  const blockedFrom = (await providerLog(provider)).authorize.length
  const started = Date.now()
  await openApp(blocked, provider, overrides)
  await expectStatus(blocked, 'unauthenticated')
  expect(Date.now() - started).toBeLessThan(4000)
  expect((await providerLog(provider)).authorize.slice(blockedFrom)).toEqual([
    { prompt: 'none', cookie: false, dpopJkt: false },
  ])
  expect(await blocked.evaluate(() => window.lab.getState().error)).toBeNull()
  // "Sign in" works: Auth0, a top-level page, has its cookie and its session.
  await blocked.locator('#login').click()
  await blocked.waitForURL(`${APP}/${provider}/`)
  await expectStatus(blocked, 'authenticated')
  expect((await callApi(blocked, `/${provider}/me`)).status).toBe(200)

  await expectRotation(blocked, provider)
  return blocked
}

/**
 * A forced refresh: Auth0 answers with a new refresh token and no longer honours the one
 * presented, and the API takes the access token that came with it. (Auth0's access tokens carry
 * no `jti`: one issued in the same second as the last can be the very same JWT.)
 */
async function expectRotation(page: Page, provider: string): Promise<void> {
  const from = (await providerLog(provider)).token.length
  const after = await accessTokenHash(page, true)
  const refreshes = (await providerLog(provider)).token
    .slice(from)
    .filter((r) => r.grant_type === 'refresh_token')
  expect(refreshes).toEqual([
    expect.objectContaining({ status: 200, rotated: true, presentedStillHonoured: false }),
  ])
  expect((await callApi(page, `/${provider}/me`)).body?.tokenSha256).toBe(after)
}

/** `logout()` navigates to `endpoint` (query checked by `expectQuery`) and back to the app. */
async function signOutThrough(
  page: Page,
  provider: string,
  endpoint: string,
  expectQuery: (query: URLSearchParams) => void,
): Promise<void> {
  // Navigation requests, redirects included (/v2/logout answers with one), and the pages shown.
  const requested: string[] = []
  const visited: string[] = []
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      requested.push(request.url())
    }
  })
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) visited.push(frame.url())
  })
  const endSession = () => requested.find((url) => url.startsWith(`${endpoint}?`))
  // logout() navigates away: the page's promise never settles.
  await page.evaluate(() => void window.lab.logout())
  await expect.poll(endSession, { message: `logout() navigates to ${endpoint}` }).toBeDefined()
  expectQuery(new URL(endSession() as string).searchParams)
  await expect
    .poll(() => visited.at(-1), { message: 'Auth0 sends the browser back to the app' })
    .toBe(`${APP}/${provider}/`)
  await page.waitForFunction(() => window.labReady === true)
  await expectStatus(page, 'unauthenticated')
}

test('Auth0, new tenant: the API across reloads (cookies allowed and blocked), refresh, /oidc/logout', async () => {
  const provider = 'auth0'
  const issuer = await issuerOf(provider)
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  await openApp(page, provider, GUIDE)
  await expectStatus(page, 'unauthenticated')
  await signIn(page, provider)
  expect(await page.evaluate(() => window.lab.getState().dpop)).toBe(false)

  const signedIn = await apiAcrossReloads(page, provider, GUIDE)
  // Reuse detection: the refresh token just rotated away, presented again (a stolen copy), is
  // refused and "invalidates the refresh token family": the app's next refresh fails and its
  // session ends; the Auth0 session goes on, so "Sign in" comes straight back.
  const replay = await fetch(`${APP}/__lab/${provider}/replay-refresh`, { method: 'POST' })
  expect(await replay.json()).toMatchObject({ status: 400, successorHonoured: false })
  const refresh = await signedIn.evaluate(() =>
    window.lab.getAccessToken({ forceRefresh: true }).then(
      () => 'refreshed',
      (error: { code: string }) => error.code,
    ),
  )
  expect(refresh).toBe('session_expired')
  await expectStatus(signedIn, 'unauthenticated')
  await signedIn.locator('#login').click()
  await signedIn.waitForURL(`${APP}/${provider}/`)
  await expectStatus(signedIn, 'authenticated')
  // Discovery names /oidc/logout: OpenID RP-Initiated Logout with the ID token as hint.
  await signOutThrough(signedIn, provider, `${issuer}oidc/logout`, (query) => {
    expect(query.get('client_id')).toBe(CLIENT_ID)
    expect(query.get('id_token_hint')).toBeTruthy()
    expect(query.get('post_logout_redirect_uri')).toBe(`${APP}/${provider}/`)
  })
  await expectProviderAsksToSignIn(signedIn, provider)
})

test('Auth0, older tenant: logout() without endSessionEndpoint leaves the Auth0 session; with /v2/logout it ends it', async () => {
  const provider = 'auth0-legacy'
  const issuer = await issuerOf(provider)
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  const warnings: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().includes('end_session_endpoint')) {
      warnings.push(message.text())
    }
  })
  const steps = () =>
    page.evaluate(() =>
      window.labEvents.filter((e) => e.step === 'end_session_unavailable').map((e) => e.step),
    )

  // The guide's configuration before its logout lines: discovery names no end-session endpoint,
  // so logout() signs out of the app only, says so once, and reports the step.
  await openApp(page, provider, GUIDE)
  await signIn(page, provider)
  await page.evaluate(() => window.lab.logout())
  await expectStatus(page, 'unauthenticated')
  expect(page.url()).toBe(`${APP}/${provider}/`)
  expect(await steps()).toEqual(['end_session_unavailable'])
  await expect.poll(() => warnings.length).toBe(1)
  expect(warnings[0]).toContain('endSessionEndpoint')
  // The Auth0 session goes on: a silent sign-in succeeds without the user.
  await page.evaluate(() => window.lab.loginSilently())
  await expectStatus(page, 'authenticated')
  // A second logout on the same page: the step again, no second warning.
  await page.evaluate(() => window.lab.logout())
  expect(await steps()).toEqual(['end_session_unavailable', 'end_session_unavailable'])
  expect(warnings).toHaveLength(1)

  // The guide's configuration for an older tenant: /v2/logout.
  const legacy = {
    ...GUIDE,
    endSessionEndpoint: `${issuer}v2/logout`,
    logoutReturnToParam: 'returnTo',
  }
  await openApp(page, provider, legacy)
  await expectStatus(page, 'unauthenticated')
  // Still signed in at Auth0: "Sign in" comes straight back, no login form.
  await page.locator('#login').click()
  await page.waitForURL(`${APP}/${provider}/`)
  await expectStatus(page, 'authenticated')

  const signedIn = await apiAcrossReloads(page, provider, legacy)
  await signOutThrough(signedIn, provider, `${issuer}v2/logout`, (query) => {
    // /v2/logout takes client_id and returnTo, no OpenID hints.
    expect([...query.keys()].sort()).toEqual(['client_id', 'returnTo'])
    expect(query.get('client_id')).toBe(CLIENT_ID)
    expect(query.get('returnTo')).toBe(`${APP}/${provider}/`)
  })
  await expectProviderAsksToSignIn(signedIn, provider)
  expect(warnings).toHaveLength(1)
})

test('Auth0 without audience: an opaque token, good for /userinfo only; an audience sent only by login() is lost on reload', async () => {
  const provider = 'auth0'
  const issuer = await issuerOf(provider)
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  // No authorizationParams: Auth0 issues an access token for /userinfo alone.
  await openApp(page, provider, {})
  await signIn(page, provider)
  expect(await accessTokenClaims(page)).toBeNull()
  const userinfo = await page.evaluate(async (url) => {
    const token = await window.lab.getAccessToken()
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
    return { status: response.status, body: await response.json() }
  }, `${issuer}userinfo`)
  expect(userinfo).toMatchObject({ status: 200, body: { sub: 'alice' } })
  expect((await callApi(page, `/${provider}/me`)).status).toBe(401)

  // The audience given to one login() call only: a JWT for the API...
  await page.evaluate((audience) => void window.lab.login({ params: { audience } }), AUDIENCE)
  // The session goes on; only the API is new to the grant, so the consent page asks for it.
  await page.waitForURL(`${issuer}interaction/**`)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(`${APP}/${provider}/`)
  await expectStatus(page, 'authenticated')
  expect((await callApi(page, `/${provider}/me`)).status).toBe(200)
  // ...until the reload, whose silent sign-in does not know it: opaque again, the API refuses.
  await page.reload()
  await expectStatus(page, 'authenticated')
  expect(await page.evaluate(() => window.lab.getState().silent)).toBe(true)
  expect(await accessTokenClaims(page)).toBeNull()
  expect((await callApi(page, `/${provider}/me`)).status).toBe(401)
})
