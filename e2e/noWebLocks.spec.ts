// Browsers without Web Locks (Safari < 15.4, Firefox < 96, some embedded webviews, and any page
// served over plain http from a host other than localhost): the SDK's fallback lock, in real
// Chromium with `navigator.locks` removed before the app loads.
import { expect, type Page, test } from '@playwright/test'
import {
  API,
  apiRequests,
  asBackgroundTabs,
  readStoredSession,
  resetPlaygroundConfig,
  setAuthServerConfig,
  signIn,
  tokenRequests,
  waitForTokenToAge,
} from './playground.js'

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

async function callApi(page: Page): Promise<void> {
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).not.toHaveText(/Calling/)
}

/** GET /api/me requests the API received after the first `since`: [scheme, proof, status]. */
async function meRequestsSince(since: number) {
  return (await apiRequests())
    .slice(since)
    .filter((r) => r.method === 'GET' && r.path.startsWith('/api/me'))
    .map((r) => [r.scheme, r.hasDpopProof, r.status])
}

test('a DPoP sign-in, API calls, a refresh and a reload work without navigator.locks', async ({
  page,
  context,
}) => {
  await context.addInitScript(() => {
    delete (Navigator.prototype as { locks?: unknown }).locks
  })
  await asBackgroundTabs(context) // the refresh below comes from the API call, not the timer
  await setAuthServerConfig({ accessTokenTtl: 4 })

  // The callback takes the DPoP key's lock while it holds the refresh lock.
  await signIn(page, `no-locks-${Date.now()}`)
  expect(await page.evaluate(() => 'locks' in navigator)).toBe(false)
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')

  const apiBefore = (await apiRequests()).length
  await callApi(page)
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  expect(await meRequestsSince(apiBefore)).toEqual([['DPoP', true, 200]])

  // The 4 s token expires; the next call refreshes it, with a proof, under both locks again.
  const tokensBefore = (await tokenRequests()).length
  const stored = await readStoredSession(page)
  await waitForTokenToAge(page, { expired: true })
  const afterExpiry = (await apiRequests()).length
  await callApi(page)
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  expect(
    (await tokenRequests()).slice(tokensBefore).map((r) => [r.grant_type, r.status, r.dpop]),
  ).toEqual([['refresh_token', 200, true]])
  expect(await meRequestsSince(afterExpiry)).toEqual([['DPoP', true, 200]])
  const refreshed = await readStoredSession(page)
  expect(refreshed?.refreshToken).not.toBe(stored?.refreshToken)

  // The rotated session was stored: a reload is signed in with it and no token request.
  const beforeReload = (await tokenRequests()).length
  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')
  expect(
    await page.evaluate(
      (url) => window.latchkey.authFetch(url).then((r) => r.status),
      `${API}/api/me`,
    ),
  ).toBe(200)
  expect((await tokenRequests()).slice(beforeReload).map((r) => r.grant_type)).not.toContain(
    'authorization_code',
  )
})
