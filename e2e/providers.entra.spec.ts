// Microsoft Entra ID (e2e/providers/entra.ts), configured as docs/guides/providers.md says: a
// single-tenant app through the whole journey, a multi-tenant app through /common with and
// without `multiTenant`, and a second API by scope, as docs/guides/apis.md says.
import { createHash } from 'node:crypto'
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { decodeJwt } from 'jose'
import { ENTRA_COMMON_HOME_TENANT, REPORTS_APP_ID, REPORTS_SCOPE } from './providers/entra.js'
import {
  accessTokenHash,
  callApi,
  errorOf,
  expectProviderAsksToSignIn,
  expectStatus,
  issuerOf,
  metadataOf,
  openApp,
  openBrowser,
  providerLog,
  signIn,
  signOut,
} from './providers/journey.js'
import { recordSettleTime, settleTime } from './providers/timing.js'
import { APP, REPORTS_API } from './providers/urls.js'

/** A tenant the /common users are not from. */
const OTHER_TENANT = '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9'

/** The validated ID-token claims the page's client holds. */
async function user(page: Page) {
  return page.evaluate(
    () =>
      (window.lab.getState() as unknown as { user: Record<string, unknown> | null }).user ?? null,
  )
}

let context: BrowserContext | undefined
test.afterEach(async () => {
  await context?.close()
  context = undefined
})

test('single tenant: sign in, API, silent restore with third-party cookies and a quick sign-out without them, refresh, logout without the account picker', async () => {
  const profile = test.info().outputPath('profile')
  context = await openBrowser(profile, 'allowed')
  let page = await context.newPage()
  await openApp(page, 'entra')
  await expectStatus(page, 'unauthenticated')
  await signIn(page, 'entra')
  // Entra offers no DPoP: Bearer tokens, kept in memory under storage: 'auto'.
  expect(await page.evaluate(() => window.lab.getState().dpop)).toBe(false)
  const hint = (await user(page))?.login_hint
  expect(hint).toEqual(expect.any(String))

  const me = await callApi(page, '/entra/me')
  expect(me).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
  expect(me.body?.tokenSha256).toBe(await accessTokenHash(page))

  // Reload with third-party cookies allowed: the silent sign-in iframe brings the session back.
  const beforeReload = (await providerLog('entra')).authorize.length
  await page.reload()
  await expectStatus(page, 'authenticated')
  expect(await page.evaluate(() => window.lab.getState().silent)).toBe(true)
  expect((await providerLog('entra')).authorize.slice(beforeReload)).toEqual([
    { prompt: 'none', cookie: true, dpopJkt: false },
  ])
  expect(await callApi(page, '/entra/me')).toMatchObject({ status: 200, body: { sub: 'alice' } })

  // A restart with third-party cookies blocked: the iframe has no cookie, Entra answers
  // prompt=none with an error at once, and the page settles signed out quickly: an answer, not
  // restoreTimeoutMs (4 s), let alone loginSilently()'s 10 s.
  await context.close()
  context = await openBrowser(profile, 'blocked')
  page = await context.newPage()
  await recordSettleTime(page)
  const beforeBlocked = (await providerLog('entra')).authorize.length
  await openApp(page, 'entra')
  await expectStatus(page, 'unauthenticated')
  expect(await settleTime(page)).toBeLessThan(3000)
  expect((await providerLog('entra')).authorize.slice(beforeBlocked)).toEqual([
    { prompt: 'none', cookie: false, dpopJkt: false },
  ])
  // "Sign in" works: Entra, a top-level page now, has its session cookie.
  await page.locator('#login').click()
  await page.waitForURL(`${APP}/entra/`)
  await expectStatus(page, 'authenticated')

  // A refresh: a new access token the API accepts; Entra does not revoke the refresh token used.
  const beforeRefresh = await accessTokenHash(page)
  const tokenFrom = (await providerLog('entra')).token.length
  const refreshed = await accessTokenHash(page, true)
  expect(refreshed).not.toBe(beforeRefresh)
  expect(
    (await providerLog('entra')).token
      .slice(tokenFrom)
      .filter((record) => record.grant_type === 'refresh_token'),
  ).toEqual([expect.objectContaining({ status: 200, presentedStillHonoured: true })])
  expect((await callApi(page, '/entra/me')).body?.tokenSha256).toBe(refreshed)

  // Logout sends the ID token's login_hint claim as logout_hint: Entra signs out without its
  // account picker (which would wait for a click) and comes back to the app.
  const endSession: string[] = []
  page.on('request', (request) => {
    if (request.url().includes('/oauth2/v2.0/logout?')) endSession.push(request.url())
  })
  await signOut(page, 'entra')
  const query = new URL(endSession[0] ?? 'about:blank').searchParams
  expect(query.get('logout_hint')).toBe(hint)
  expect(query.get('post_logout_redirect_uri')).toBe(`${APP}/entra/`)
  await expectProviderAsksToSignIn(page, 'entra')
})

test('multi-tenant through /common with multiTenant: true: signed in from the home tenant, API answers', async () => {
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  await openApp(page, 'entra-common', { multiTenant: true })
  await signIn(page, 'entra-common')
  const origin = new URL(await issuerOf('entra-common')).origin
  expect(await user(page)).toMatchObject({
    tid: ENTRA_COMMON_HOME_TENANT,
    iss: `${origin}/${ENTRA_COMMON_HOME_TENANT}/v2.0`,
  })
  expect(await callApi(page, '/entra-common/me')).toMatchObject({
    status: 200,
    body: { sub: 'alice', scheme: 'Bearer' },
  })
})

test('multi-tenant through /common: without multiTenant issuer_mismatch names it; a tenant list without the home tenant refuses the ID token', async () => {
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  await openApp(page, 'entra-common')
  await expectStatus(page, 'unauthenticated')
  const before = (await providerLog('entra-common')).authorize.length
  await page.locator('#login').click()
  await expectStatus(page, 'error')
  expect(await errorOf(page)).toMatchObject({
    code: 'issuer_mismatch',
    message: expect.stringContaining('multiTenant: true'),
  })
  // Refused at discovery: the browser never went to Entra.
  expect((await providerLog('entra-common')).authorize.length).toBe(before)
  expect(page.url()).toBe(`${APP}/entra-common/`)

  await openApp(page, 'entra-common', { multiTenant: { tenants: [OTHER_TENANT] } })
  await page.locator('#login').click()
  const origin = new URL(await issuerOf('entra-common')).origin
  await page.waitForURL(`${origin}/**`)
  await page.locator('input[name=login]').fill('alice')
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(`${APP}/entra-common/**`)
  await expectStatus(page, 'error')
  expect(await errorOf(page)).toMatchObject({
    code: 'id_token_invalid',
    message: expect.stringContaining(ENTRA_COMMON_HOME_TENANT),
  })
})

// Entra ID names an API in the scope and refuses `resource` (entra.ts): the apis guide's entry is
// scope-only. One sign-in asks for both APIs' permissions; the code exchange gets the main API's
// token, and the second API's comes from the refresh token with its scope.
test('a second API by scope: one sign-in, a token for each audience, the main token untouched', async () => {
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  const { authorization_endpoint: authorize, token_endpoint: token } = await metadataOf('entra')
  const authorizations: URL[] = []
  const tokenRequests: URLSearchParams[] = []
  context.on('request', (request) => {
    const url = new URL(request.url())
    if (`${url.origin}${url.pathname}` === authorize) authorizations.push(url)
    if (request.url() === token) tokenRequests.push(new URLSearchParams(request.postData() ?? ''))
  })
  const grants = (type: string) => tokenRequests.filter((form) => form.get('grant_type') === type)

  await openApp(page, 'entra', { apis: [{ origin: REPORTS_API, scope: REPORTS_SCOPE }] })
  await signIn(page, 'entra')
  // The authorization request names both APIs in its scope, the main one first, and no resource.
  expect(authorizations).toHaveLength(1)
  const scope = authorizations[0]?.searchParams.get('scope')?.split(' ') ?? []
  expect(scope.filter((one) => one.startsWith('api://'))).toEqual([
    expect.stringMatching(/\/access_as_user$/),
    REPORTS_SCOPE,
  ])
  expect(authorizations[0]?.searchParams.has('resource')).toBe(false)
  // The code exchange sends neither: Entra gives the first API's token.
  expect(
    grants('authorization_code').map((form) => [form.get('scope'), form.has('resource')]),
  ).toEqual([[null, false]])
  const main = await callApi(page, '/entra/me')
  expect(main).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
  expect(main.body?.tokenSha256).toBe(await accessTokenHash(page))
  expect(grants('refresh_token')).toEqual([])

  // The second API: one refresh grant with its scope and no resource, and a token the second
  // API accepts (its audience, its permission), not the main one.
  const reports = await callApi(page, '/entra/me', REPORTS_API)
  expect(reports).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
  const reportsToken = await page.evaluate((api) => window.lab.getAccessToken({ api }), REPORTS_API)
  expect(reports.body?.tokenSha256).toBe(
    createHash('sha256').update(reportsToken).digest('base64url'),
  )
  expect(reports.body?.tokenSha256).not.toBe(main.body?.tokenSha256)
  expect(decodeJwt(reportsToken)).toMatchObject({ aud: REPORTS_APP_ID, scp: 'Reports.Read' })
  expect(grants('refresh_token').map((form) => [form.get('scope'), form.has('resource')])).toEqual([
    [REPORTS_SCOPE, false],
  ])
  // Cached: the next call makes no token request.
  expect((await callApi(page, '/entra/me', REPORTS_API)).status).toBe(200)
  expect(grants('refresh_token')).toHaveLength(1)

  // The main token's own refresh sends no scope, and Entra answers it for the main API again.
  const refreshedMain = await accessTokenHash(page, true)
  expect(grants('refresh_token').map((form) => form.get('scope'))).toEqual([REPORTS_SCOPE, null])
  expect(await callApi(page, '/entra/me')).toMatchObject({
    status: 200,
    body: { tokenSha256: refreshedMain },
  })
  await expectStatus(page, 'authenticated')
})
