// The Vue demo app (playground/vue): redirect and popup sign-in, a protected route behind the
// vue-router guard from createAuthGuard(), an API call through authFetch, sign-out, deep links that
// survive the round trip to the authorization server, and sign-in failures shown without a loop.
import { expect, type Page, test } from '@playwright/test'
import {
  checkProtectedPage,
  consentAt,
  expectInspectorSteps,
  ISSUER,
  recordAuthorizationRequests,
  SIGN_IN_STEPS,
  tokenRequests,
  tokenRequestsSince,
} from './playground.js'

const VUE_APP = 'http://localhost:5175'

/**
 * Navigates inside the app with its router, as a RouterLink would (no page load, so the auth state
 * is kept): 'navigated', or 'stopped' when a guard cancelled the navigation.
 */
async function navigateInApp(page: Page, to: string): Promise<'navigated' | 'stopped'> {
  return page.evaluate(async (target) => {
    type Router = { push(to: string): Promise<unknown> }
    const root = document.querySelector('#app') as {
      __vue_app__?: { config: { globalProperties: { $router: Router } } }
    } | null
    const router = root?.__vue_app__?.config.globalProperties.$router
    if (!router) throw new Error('the Vue app or its router is missing')
    // push() resolves with a NavigationFailure when a guard stops the navigation.
    return (await router.push(target)) ? 'stopped' : 'navigated'
  }, to)
}

test('the full journey: redirect sign-in, protected route, API call as the user, sign-out', async ({
  page,
}) => {
  const user = `vue-${Date.now()}`
  const since = (await tokenRequests()).length

  await page.goto(`${VUE_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, VUE_APP)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  // onRedirect replaced the route with returnTo: the callback's code and state left the address bar.
  expect(page.url()).toBe(`${VUE_APP}/`)
  await expect(page.getByTestId('callback')).toBeHidden()
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])

  await page.getByTestId('protected-link').click()
  await page.waitForURL(`${VUE_APP}/protected`)
  await checkProtectedPage(page, user)
  // The flow inspector beside the app followed along, across the trip to the server.
  await expectInspectorSteps(page, [...SIGN_IN_STEPS, 'api_request', 'api_response'])

  await page.goto(`${VUE_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${VUE_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await expect(page.getByTestId('user-sub')).toBeHidden()
  await expect(page.getByTestId('login')).toBeVisible()
  // The steps survived the reload and the sign-out's trip to the server too.
  await expectInspectorSteps(page, [
    'api_response',
    'revocation_request',
    'revocation_response',
    'end_session',
  ])
  // Still one exchange: nothing signed the user back in on the way out.
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
})

test('a user signs in with a popup and the page keeps its place', async ({ page }) => {
  const user = `vue-popup-${Date.now()}`
  const since = (await tokenRequests()).length

  await page.goto(`${VUE_APP}/?tab=2`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const navigations: string[] = []
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations.push(frame.url())
  })
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
  // The page never left: same address, no navigation of the main frame.
  expect(page.url()).toBe(`${VUE_APP}/?tab=2`)
  expect(navigations).toEqual([])
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
})

test('a deep link to a protected route comes back to it, query and fragment included, after sign-in', async ({
  page,
}) => {
  const user = `vue-deep-${Date.now()}`
  const since = (await tokenRequests()).length
  const authorizations = recordAuthorizationRequests(page)

  await page.goto(`${VUE_APP}/protected?x=1#frag`)
  // The guard sent the signed-out user to the server instead of showing the page.
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, VUE_APP)

  await page.waitForURL(`${VUE_APP}/protected?x=1#frag`)
  expect(page.url()).toBe(`${VUE_APP}/protected?x=1#frag`)
  const claims = JSON.parse((await page.getByTestId('claims').textContent()) ?? 'null')
  expect(claims).toMatchObject({ sub: user })
  await expect(page.getByTestId('expires-at')).not.toHaveText('unknown')
  expect(authorizations).toHaveLength(1)
  expect(await tokenRequestsSince(since)).toEqual([['authorization_code', 200]])
})

test('while the guard sends a signed-out user to sign in, the page says so', async ({ page }) => {
  const authorizations = recordAuthorizationRequests(page)
  // A 204 answer cancels the trip to the server and leaves the app on screen, as it is just before
  // the browser leaves.
  await page.route(`${ISSUER}/auth?**`, (route) => route.fulfill({ status: 204 }))

  await page.goto(`${VUE_APP}/protected`)
  await expect.poll(() => authorizations.length).toBe(1)
  expect(new URL(authorizations[0] as string).searchParams.get('client_id')).toBe('latchkey-spa')
  await expect(page.getByTestId('redirecting')).toBeVisible()
  await expect(page.getByTestId('claims')).toBeHidden()
  expect(page.url()).toBe(`${VUE_APP}/protected`)
})

test('a user who cancels at the server sees why in plain words, and the guard does not loop', async ({
  page,
}) => {
  const since = (await tokenRequests()).length
  const authorizations = recordAuthorizationRequests(page)

  await page.goto(`${VUE_APP}/protected`)
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('link', { name: /cancel/i }).click()
  await page.waitForURL(`${VUE_APP}/callback**`)

  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('error')).toContainText(
    'Sign-in was cancelled or refused at the authorization server.',
  )
  // The server's own words come along.
  await expect(page.getByTestId('error')).toContainText('End-User aborted interaction')
  await expect(page.getByTestId('callback')).toBeHidden()
  // The response's parameters left the address bar.
  expect(page.url()).toBe(`${VUE_APP}/callback`)

  // In the error state the guard stops the navigation and starts no new sign-in.
  expect(await navigateInApp(page, '/protected')).toBe('stopped')
  await page.waitForTimeout(1000)
  expect(page.url()).toBe(`${VUE_APP}/callback`)
  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('claims')).toBeHidden()
  expect(authorizations).toHaveLength(1)
  expect(await tokenRequestsSince(since)).toEqual([])

  // The way back is there, and signing in from the start page is possible again.
  await page.getByRole('link', { name: 'Back to the start' }).click()
  await page.waitForURL(`${VUE_APP}/`)
  await expect(page.getByTestId('status')).toHaveText('error')
  await expect(page.getByTestId('login')).toBeVisible()
})

test('a forged callback URL is refused in plain words, with no token request', async ({ page }) => {
  const since = (await tokenRequests()).length
  const authorizations = recordAuthorizationRequests(page)

  await page.goto(`${VUE_APP}/callback?code=x&state=y`)
  await expect(page.getByTestId('error-code')).toHaveText('transaction_missing')
  await expect(page.getByTestId('error')).toContainText(
    'This sign-in link was already used or has expired.',
  )
  await expect(page.getByTestId('callback')).toBeHidden()
  expect(page.url()).toBe(`${VUE_APP}/callback`)

  expect(await navigateInApp(page, '/protected?x=1')).toBe('stopped')
  await page.waitForTimeout(1000)
  expect(page.url()).toBe(`${VUE_APP}/callback`)
  expect(authorizations).toEqual([])
  expect(await tokenRequestsSince(since)).toEqual([])
})
