// Amazon Cognito (e2e/providers/cognito.ts), configured as docs/guides/providers.md says: scope
// without offline_access, logoutReturnToParam: 'logout_uri', and either the restore kept with a
// short restoreTimeoutMs or silentLogin: false.
import { type BrowserContext, expect, test } from '@playwright/test'
import {
  accessTokenHash,
  callApi,
  errorOf,
  expectProviderAsksToSignIn,
  expectStatus,
  openApp,
  openBrowser,
  providerLog,
  signIn,
  signOut,
} from './providers/journey.js'
import { recordSettleTime, settleTime } from './providers/timing.js'
import { APP } from './providers/urls.js'

/** The guide's Cognito options (the scope is the lab's default for Cognito, the guide's). */
const GUIDE = { logoutReturnToParam: 'logout_uri' }
/** The guide's alternative to silentLogin: false, for apps whose users mostly run Chromium. */
const WITH_RESTORE = { ...GUIDE, restoreTimeoutMs: 2000 }

async function authorizeCount(): Promise<number> {
  return (await providerLog('cognito')).authorize.length
}

let context: BrowserContext | undefined
test.afterEach(async () => {
  await context?.close()
  context = undefined
})

test('sign in, API, restore with third-party cookies, a bounded wait without them, refresh without a new refresh token, logout through /logout with logout_uri', async () => {
  const profile = test.info().outputPath('profile')
  context = await openBrowser(profile, 'allowed')
  let page = await context.newPage()
  await openApp(page, 'cognito', WITH_RESTORE)
  await expectStatus(page, 'unauthenticated')
  await signIn(page, 'cognito')
  // No DPoP at Cognito: a Bearer session, kept in memory.
  expect(await page.evaluate(() => window.lab.getState().dpop)).toBe(false)
  const me = await callApi(page, '/cognito/me')
  expect(me).toMatchObject({ status: 200, body: { sub: 'alice', scheme: 'Bearer' } })
  expect(me.body?.tokenSha256).toBe(await accessTokenHash(page))

  // Reload with third-party cookies allowed: Cognito ignores prompt=none, and with its session
  // cookie in the iframe it answers with a code.
  const beforeReload = await authorizeCount()
  await page.reload()
  await expectStatus(page, 'authenticated')
  expect(await page.evaluate(() => window.lab.getState().silent)).toBe(true)
  expect((await providerLog('cognito')).authorize.slice(beforeReload)).toEqual([
    { prompt: 'none', cookie: true, dpopJkt: false },
  ])

  // A restart with third-party cookies blocked: the iframe lands on the login page, which
  // refuses framing, and nothing answers. The restore gives up after restoreTimeoutMs, far from
  // loginSilently()'s 10 s.
  await context.close()
  context = await openBrowser(profile, 'blocked')
  page = await context.newPage()
  await recordSettleTime(page)
  const beforeBlocked = await authorizeCount()
  await openApp(page, 'cognito', WITH_RESTORE)
  await expectStatus(page, 'unauthenticated')
  const waited = await settleTime(page)
  expect(waited).toBeGreaterThanOrEqual(2000)
  expect(waited).toBeLessThan(4500)
  expect((await providerLog('cognito')).authorize.slice(beforeBlocked)).toEqual([
    { prompt: 'none', cookie: false, dpopJkt: false },
  ])
  // After such a timeout the restore is not tried again until the next sign-in.
  await page.reload()
  await page.waitForFunction(() => window.labReady === true)
  await expectStatus(page, 'unauthenticated')
  expect(await settleTime(page)).toBeLessThan(2000)
  expect(await authorizeCount()).toBe(beforeBlocked + 1)
  // "Sign in" works: the login page is top-level, with Cognito's session cookie.
  await page.locator('#login').click()
  await page.waitForURL(`${APP}/cognito/`)
  await expectStatus(page, 'authenticated')

  // Refreshes: new access tokens, no refresh token back, and the one the app kept still works.
  const tokenFrom = (await providerLog('cognito')).token.length
  const first = await accessTokenHash(page, true)
  const second = await accessTokenHash(page, true)
  expect(second).not.toBe(first)
  expect(
    (await providerLog('cognito')).token
      .slice(tokenFrom)
      .filter((record) => record.grant_type === 'refresh_token'),
  ).toEqual([
    expect.objectContaining({ status: 200, refreshTokenReturned: false }),
    expect.objectContaining({ status: 200, refreshTokenReturned: false }),
  ])
  expect((await callApi(page, '/cognito/me')).body?.tokenSha256).toBe(second)

  // Logout: the refresh token is revoked, then /logout?client_id&logout_uri ends the session and
  // sends the browser back to the app, not to Cognito's error page.
  const visited: string[] = []
  page.on('request', (request) => visited.push(request.url()))
  await signOut(page, 'cognito')
  const logout = visited.find((url) => new URL(url).pathname === '/logout')
  const query = new URL(logout ?? 'about:blank').searchParams
  expect(Object.fromEntries(query)).toEqual({
    client_id: expect.any(String),
    logout_uri: `${APP}/cognito/`,
  })
  expect(visited.filter((url) => new URL(url).pathname === '/error')).toEqual([])
  // The refresh token the app kept was revoked at /oauth2/revoke before the redirect.
  expect(visited.filter((url) => new URL(url).pathname === '/oauth2/revoke')).toHaveLength(1)
  expect((await providerLog('cognito')).token.at(-1)).toMatchObject({
    grant_type: 'refresh_token',
    presentedStillHonoured: false,
  })
  await expectProviderAsksToSignIn(page, 'cognito')
})

test('the default scope is refused: authorization_denied says to drop offline_access', async () => {
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  // Latchkey's default scope (config.ts): what an app without `scope` asks for.
  await openApp(page, 'cognito', { ...GUIDE, scope: 'openid profile offline_access' })
  await page.locator('#login').click()
  await page.waitForURL(`${APP}/cognito/**`)
  await expectStatus(page, 'error')
  expect(await errorOf(page)).toMatchObject({
    code: 'authorization_denied',
    error: 'invalid_request',
    message: expect.stringContaining('offline_access'),
  })
})

test("the guide's silentLogin: false: a reload settles signed out at once, without asking Cognito", async () => {
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  await recordSettleTime(page)
  await openApp(page, 'cognito', { ...GUIDE, silentLogin: false })
  await signIn(page, 'cognito')
  const before = await authorizeCount()
  await page.reload()
  await page.waitForFunction(() => window.labReady === true)
  await expectStatus(page, 'unauthenticated')
  expect(await settleTime(page)).toBeLessThan(2000)
  expect(await authorizeCount()).toBe(before)
})
