// Step-up authentication (RFC 9470) against the real playground: the demo API's /api/recent
// answers 401 `insufficient_user_authentication` with `max_age` to a sign-in older than that, and
// the SPA's authFetch either rejects with step_up_required (stepUp: false) or signs the user in
// again in a popup and calls again (stepUp: 'popup', the SPA's default), once per call, or leaves
// to sign in again and comes back (stepUp: 'redirect').
import { expect, type Page, test } from '@playwright/test'
import {
  API,
  apiRequests,
  expectInspectorSteps,
  finishLogin,
  ISSUER,
  SPA,
  signIn,
} from './playground.js'

/** The answers the API gave to `GET /api/recent` (not CORS preflights) from the `since`-th on. */
async function recentAnswers(since: number): Promise<Array<number | null>> {
  return (await apiRequests())
    .slice(since)
    .filter((request) => request.method === 'GET' && request.path.startsWith('/api/recent'))
    .map((request) => request.status)
}

/** Signs in at the server's login page in `popup` (and consents if asked); the popup then closes. */
async function signInAgain(popup: Page, login: string): Promise<void> {
  await popup.waitForURL(`${ISSUER}/**`)
  await expect(popup.locator('input[name=login]')).toBeVisible()
  await popup.locator('input[name=login]').fill(login)
  await popup.locator('input[name=password]').fill('any password')
  await popup.locator('button[type=submit]').click()
  const consent = popup.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor().then(() => consent.click()), popup.waitForEvent('close')])
  if (!popup.isClosed()) await popup.waitForEvent('close')
}

/** The signed-in user's `auth_time`: the ID token's (it has one when `max_age` was asked). */
async function authTime(page: Page): Promise<number> {
  const claims = JSON.parse((await page.getByTestId('claims').textContent()) ?? '{}')
  expect(claims.auth_time, 'the ID token says when the user signed in').toEqual(expect.any(Number))
  return claims.auth_time as number
}

/** Counts the windows the page opens from now on. */
function countPopups(page: Page): () => number {
  let opened = 0
  page.on('popup', () => {
    opened += 1
  })
  return () => opened
}

test('without stepUp, the 401 challenge rejects with step_up_required and its max_age', async ({
  page,
}) => {
  await signIn(page, `step-up-off-${Date.now()}`)
  await page.getByTestId('step-up').selectOption('off')
  await expect(page.getByTestId('status')).toHaveText('authenticated') // restored after the reload
  const popups = countPopups(page)
  const since = (await apiRequests()).length

  const error = await page.evaluate(() =>
    window.latchkey.authFetch('http://localhost:4001/api/recent?max_age=0').then(
      () => null,
      (error: { code: string; maxAge?: number; acrValues?: string[]; error?: string }) => ({
        code: error.code,
        maxAge: error.maxAge,
        acrValues: error.acrValues,
        error: error.error,
      }),
    ),
  )
  expect(error).toEqual({
    code: 'step_up_required',
    maxAge: 0,
    acrValues: undefined,
    error: 'insufficient_user_authentication',
  })
  // The page's own button shows it too.
  await page.getByTestId('fetch-url').fill(`${API}/api/recent?max_age=0`)
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toHaveText('Refused: step_up_required')
  await expect(page.getByTestId('error-code')).toHaveText('step_up_required')
  expect(await recentAnswers(since)).toEqual([401, 401])
  expect(popups(), 'no sign-in was started').toBe(0)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
})

test("with stepUp: 'popup', the user signs in again with max_age and the call answers 200", async ({
  page,
}) => {
  const user = `step-up-${Date.now()}`
  await signIn(page, user)
  // The route wants a sign-in from the last 5 seconds: this one is older by then.
  await page.waitForTimeout(5500)
  const popups = countPopups(page)
  const since = (await apiRequests()).length

  await page.getByTestId('fetch-url').fill(`${API}/api/recent?max_age=5`)
  // The same machine's clock as the servers': auth_time is in whole seconds.
  const steppingUpAt = Math.floor(Date.now() / 1000)
  const popup = page.waitForEvent('popup')
  await page.getByTestId('call-api').click()
  // max_age makes the server ask for the user again, although its session is still live.
  await signInAgain(await popup, user)

  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  const body = JSON.parse(
    ((await page.getByTestId('api-result').textContent()) ?? '').replace(/^HTTP 200\s*/, ''),
  )
  expect(body).toMatchObject({ sub: user, message: expect.stringContaining('recently enough') })
  expect(await recentAnswers(since), 'the challenge, then the one retry').toEqual([401, 200])
  expect(popups()).toBe(1)
  const state = await page.evaluate(() => window.latchkey.getState())
  expect(state.status).toBe('authenticated')
  expect(state.error).toBeNull()
  const steppedUpAt = await authTime(page)
  expect(steppedUpAt, "the ID token is the new sign-in's").toBeGreaterThanOrEqual(steppingUpAt)
  expect(body.auth_time, "the access token's auth_time is the new sign-in's").toBe(steppedUpAt)
  await expectInspectorSteps(page, [
    'api_response',
    'step_up',
    'authorize',
    'callback',
    'tokens_validated',
    'api_request',
    'api_response',
  ])
})

test('a route that still refuses after the step-up gets one popup, then step_up_required', async ({
  page,
}) => {
  const user = `step-up-loop-${Date.now()}`
  await signIn(page, user)
  const popups = countPopups(page)
  const since = (await apiRequests()).length

  // max_age=0: the demo API refuses every sign-in, however recent.
  await page.getByTestId('fetch-url').fill(`${API}/api/recent?max_age=0`)
  const popup = page.waitForEvent('popup')
  await page.getByTestId('call-api').click()
  await signInAgain(await popup, user)

  await expect(page.getByTestId('api-result')).toHaveText('Refused: step_up_required')
  await expect(page.getByTestId('error-code')).toHaveText('step_up_required')
  // Time for a second popup or request, if there were to be one.
  await page.waitForTimeout(1500)
  expect(popups(), 'exactly one step-up').toBe(1)
  expect(await recentAnswers(since), 'the challenge and the one retry, no more').toEqual([401, 401])
  await expect(page.getByTestId('status')).toHaveText('authenticated')
})

test("with stepUp: 'redirect', the page signs in again with max_age and comes back; the next call answers 200", async ({
  page,
}) => {
  const user = `step-up-redirect-${Date.now()}`
  await signIn(page, user)
  await page.getByTestId('step-up').selectOption('redirect')
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await page.waitForTimeout(5500)
  const popups = countPopups(page)
  const since = (await apiRequests()).length

  await page.getByTestId('fetch-url').fill(`${API}/api/recent?max_age=5`)
  await page.getByTestId('call-api').click()
  // The page leaves for the server, whose login page max_age brings back.
  await page.waitForURL(`${ISSUER}/**`)
  await expect(page.locator('input[name=login]')).toBeVisible()
  await finishLogin(page, user)
  expect(await recentAnswers(since), 'not sent again by itself').toEqual([401])

  await page.getByTestId('fetch-url').fill(`${API}/api/recent?max_age=5`)
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  expect(await recentAnswers(since)).toEqual([401, 200])
  expect(popups()).toBe(0)
  expect(page.url()).toBe(`${SPA}/`)
})
