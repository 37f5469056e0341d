// Google (e2e/providers/google.ts) with a "Web application" OAuth client, which a browser app
// cannot use: what the user and the developer see, as docs/guides/providers.md describes it.
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import { expectStatus, issuerOf, openApp, openBrowser } from './providers/journey.js'
import { APP } from './providers/urls.js'

const provider = 'google'

let context: BrowserContext | undefined
test.afterEach(async () => {
  await context?.close()
  context = undefined
})

/** Every request of the page (and its iframes) whose URL starts with `prefix`, from now on. */
function watch(page: Page, prefix: string): string[] {
  const seen: string[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(prefix)) seen.push(request.url())
  })
  return seen
}

test('a public-client configuration: sign-in at Google, then the code exchange fails at once with token_request_failed', async () => {
  const issuer = await issuerOf(provider)
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  const authorize = watch(page, `${issuer}/o/oauth2/v2/auth?`)
  const token = watch(page, `${issuer}/token`)
  // The guide's scope for Google (the lab's default for this app): no offline_access.
  await openApp(page, provider)
  await expectStatus(page, 'unauthenticated')

  await page.locator('#login').click()
  await page.waitForURL(`${issuer}/**`)
  await page.locator('input[name=login]').fill('alice')
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor(), page.waitForURL(`${APP}/**`)])
  if (page.url().startsWith(issuer)) await consent.click()
  await page.waitForURL(`${APP}/${provider}/callback?**`)
  await page.waitForFunction(() => window.labReady === true)

  // The app shows the error; the message tells the developer what to do.
  await expectStatus(page, 'error')
  await expect(page.locator('#error')).toHaveText('token_request_failed')
  const error = await page.evaluate(() => {
    const { code, message, error, error_description, status } = window.lab.getState()
      .error as unknown as Record<string, unknown>
    return { code, message, error, error_description, status }
  })
  expect(error).toMatchObject({
    code: 'token_request_failed',
    error: 'invalid_request',
    error_description: 'client_secret is missing.',
    status: 400,
  })
  expect(error.message).toContain('confidential client')
  expect(error.message).toContain('sign in through a backend')
  expect(error.message).toContain('docs/guides/providers.md')
  // At once: one authorization request and one code exchange, no retry, no new sign-in.
  expect(authorize).toHaveLength(1)
  expect(token).toHaveLength(1)
  expect(new URL(page.url()).origin).toBe(APP)
})

test("Latchkey's default scope: Google shows its own invalid_scope page and never returns to the app", async () => {
  const issuer = await issuerOf(provider)
  context = await openBrowser(test.info().outputPath('profile'), 'allowed')
  const page = await context.newPage()
  const callbacks = watch(page, `${APP}/${provider}/callback`)
  // Latchkey's default scope, written out (the lab's app page sets one for every provider).
  await openApp(page, provider, { scope: 'openid profile offline_access' })
  const answer = page.waitForResponse((response) =>
    response.url().startsWith(`${issuer}/o/oauth2/v2/auth?`),
  )
  await page.locator('#login').click()
  expect((await answer).status()).toBe(400)
  await page.waitForURL(`${issuer}/o/oauth2/v2/auth?**`)
  // The page quoted in e2e/providers/google.ts.
  await expect(page.locator('h1')).toHaveText('Error 400: invalid_scope')
  await expect(page.locator('body')).toContainText(
    'Some requested scopes were invalid. {valid=[openid, https://www.googleapis.com/auth/userinfo.profile], invalid=[offline_access]}',
  )
  expect(callbacks).toEqual([])
})
