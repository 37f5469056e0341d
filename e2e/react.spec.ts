// The React demo app (playground/react) under StrictMode: redirect and popup sign-in, a protected
// route behind <RequireAuth>, an API call through authFetch, sign-out, deep links that survive
// the round trip to the authorization server, and a sign-in cancelled at the server shown on the
// callback page.
import { expect, test } from '@playwright/test'
import {
  checkProtectedPage,
  consentAt,
  ISSUER,
  recordAuthorizationRequests,
  tokenRequests,
  tokenRequestsSince,
} from './playground.js'

const REACT_APP = 'http://localhost:5174'

test('the full journey: redirect sign-in, protected route, API call as the user, sign-out', async ({
  page,
}) => {
  const user = `react-${Date.now()}`
  const since = (await tokenRequests()).length

  await page.goto(`${REACT_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, REACT_APP)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  // onRedirect navigated to returnTo: the callback's code and state left the address bar.
  expect(page.url()).toBe(`${REACT_APP}/`)
  // StrictMode mounts the provider twice; the server still saw one code exchange.
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])

  await page.getByTestId('protected-link').click()
  await page.waitForURL(`${REACT_APP}/protected`)
  await checkProtectedPage(page, user)

  await page.goto(`${REACT_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${REACT_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await expect(page.getByTestId('user-sub')).toBeHidden()
  // Still one exchange: nothing signed the user back in on the way out.
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
})

test('a user signs in with a popup and the page keeps its place', async ({ page }) => {
  const user = `react-popup-${Date.now()}`
  const since = (await tokenRequests()).length

  await page.goto(`${REACT_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const popupOpened = page.waitForEvent('popup')
  await page.getByTestId('login-popup').click()
  const popup = await popupOpened
  await popup.waitForURL(`${ISSUER}/**`)
  await popup.locator('input[name=login]').fill(user)
  await popup.locator('input[name=password]').fill('any password')
  await popup.locator('button[type=submit]').click()
  const consent = popup.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor(), popup.waitForEvent('close')])
  if (!popup.isClosed()) {
    await consent.click()
    await popup.waitForEvent('close')
  }

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  expect(page.url()).toBe(`${REACT_APP}/`)
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
})

test('a deep link to a protected route comes back to it, query included, after sign-in', async ({
  page,
}) => {
  const user = `react-deep-${Date.now()}`
  await page.goto(`${REACT_APP}/protected?x=1`)
  // <RequireAuth> sent the signed-out user to the server instead of showing the page.
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, REACT_APP)

  await page.waitForURL(`${REACT_APP}/protected?x=1`)
  expect(new URL(page.url()).search).toBe('?x=1')
  const claims = JSON.parse((await page.getByTestId('claims').textContent()) ?? 'null')
  expect(claims).toMatchObject({ sub: user })
})

test('signing out on the protected page signs out at the server, and <RequireAuth> starts no sign-in', async ({
  page,
}) => {
  const user = `react-out-${Date.now()}`
  await page.goto(`${REACT_APP}/protected`)
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, REACT_APP)
  await page.waitForURL(`${REACT_APP}/protected`)
  await expect(page.getByTestId('claims')).toContainText(user)

  // <RequireAuth> sees `unauthenticated` while the logout waits for its revocation: a login() it
  // starts then must not replace the trip to the server's logout page.
  const authorizations = recordAuthorizationRequests(page)
  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/session/end**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${REACT_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  expect(authorizations).toEqual([])
})

test('a user who cancels at the server sees why on the callback page, and no new sign-in starts', async ({
  page,
}) => {
  const since = (await tokenRequests()).length
  const authorizations = recordAuthorizationRequests(page)

  await page.goto(`${REACT_APP}/protected`)
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('link', { name: /cancel/i }).click()
  await page.waitForURL(`${REACT_APP}/callback**`)

  // Still on the callback page, which says why instead of promising a sign-in.
  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('error')).toContainText(
    'Sign-in was cancelled or refused at the authorization server.',
  )
  await expect(page.getByTestId('error')).toContainText('End-User aborted interaction')
  await expect(page.getByTestId('callback')).toBeHidden()
  expect(new URL(page.url()).pathname).toBe('/callback')
  await page.waitForTimeout(1000)
  expect(authorizations).toHaveLength(1)
  expect(await tokenRequestsSince(since)).toEqual([])

  // The way back leads to the start, where the user can try again.
  await page.getByRole('link', { name: 'Back to the start' }).click()
  await page.waitForURL(`${REACT_APP}/`)
  await expect(page.getByTestId('login')).toBeVisible()
})

test('a silent sign-in while signed in keeps the protected page mounted, with what it shows', async ({
  page,
}) => {
  const user = `react-again-${Date.now()}`
  await page.goto(`${REACT_APP}/protected`)
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, REACT_APP)
  await page.waitForURL(`${REACT_APP}/protected`)
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  // A mark on the rendered page: <RequireAuth> swapping to its fallback would unmount it.
  await page.getByTestId('claims').evaluate((node) => {
    node.dataset.kept = 'yes'
  })
  const since = (await tokenRequests()).length

  // The app's own client (the module main.tsx imports), as a step-up button would call it.
  const statuses = await page.evaluate(async (path) => {
    const { auth } = (await import(path)) as typeof import('../playground/react/src/auth.js')
    const seen: string[] = []
    const stop = auth.subscribe((state) => seen.push(state.status))
    await auth.loginSilently()
    stop()
    return seen
  }, '/src/auth.ts')

  expect(statuses).not.toContain('loading')
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
  await expect(page.getByTestId('claims')).toHaveAttribute('data-kept', 'yes')
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  await expect(page.getByTestId('redirecting')).toBeHidden()
})
