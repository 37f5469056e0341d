import { expect, test } from '@playwright/test'
import { ISSUER, SPA, signIn, startLogin, tokenRequests } from './playground.js'

test('a callback with a forged state is refused without any token request', async ({ page }) => {
  await startLogin(page) // a real sign-in is pending in this browser
  const before = (await tokenRequests()).length
  await page.goto(
    `${SPA}/callback?code=forged-code&state=forged-state&iss=${encodeURIComponent(ISSUER)}`,
  )
  await expect(page.getByTestId('error-code')).toHaveText('state_mismatch')
  await expect(page.getByTestId('status')).toHaveText('error')
  expect(page.url()).toBe(`${SPA}/`)
  expect((await tokenRequests()).length).toBe(before)
})

test('a replayed callback URL is refused without a second token request', async ({
  page,
  browser,
}) => {
  const callback = page.waitForRequest((request) => request.url().startsWith(`${SPA}/callback?`))
  const before = (await tokenRequests()).length
  const user = `replay-${Date.now()}`
  await signIn(page, user)
  const used = (await callback).url()
  expect(new URL(used).searchParams.get('code')).toBeTruthy()
  expect((await tokenRequests()).length).toBe(before + 1)

  // Replayed where the user is signed in: refused, and the session is untouched.
  await page.goto(used)
  await expect(page.getByTestId('error-code')).toHaveText('transaction_missing')
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  expect(page.url()).toBe(`${SPA}/`)

  // Replayed in a browser without the session (another profile): refused, nobody signed in.
  const stranger = await browser.newContext()
  const elsewhere = await stranger.newPage()
  await elsewhere.goto(used)
  await expect(elsewhere.getByTestId('error-code')).toHaveText('transaction_missing')
  await expect(elsewhere.getByTestId('status')).toHaveText('error')
  await stranger.close()
  expect((await tokenRequests()).length).toBe(before + 1)
})
