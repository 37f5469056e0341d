// Microsoft Entra ID (e2e/providers/entra.ts), configured as docs/guides/providers.md says: a
// single-tenant app through the whole journey, and a multi-tenant app through /common with and
// without `multiTenant`.
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { ENTRA_COMMON_HOME_TENANT } from './providers/entra.js'
import {
  accessTokenHash,
  callApi,
  errorOf,
  expectProviderAsksToSignIn,
  expectStatus,
  issuerOf,
  openApp,
  openBrowser,
  providerLog,
  signIn,
  signOut,
} from './providers/journey.js'
import { recordSettleTime, settleTime } from './providers/timing.js'
import { APP } from './providers/urls.js'

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
