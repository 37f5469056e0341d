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

test('a replayed callback URL is refused without a second token request', async ({ page }) => {
  const callback = page.waitForRequest((request) => request.url().startsWith(`${SPA}/callback?`))
  const before = (await tokenRequests()).length
  await signIn(page, `replay-${Date.now()}`)
  const used = (await callback).url()
  expect(new URL(used).searchParams.get('code')).toBeTruthy()
  expect((await tokenRequests()).length).toBe(before + 1)

  await page.goto(used)
  await expect(page.getByTestId('error-code')).toHaveText('transaction_missing')
  await expect(page.getByTestId('status')).toHaveText('error')
  expect(page.url()).toBe(`${SPA}/`)
  expect((await tokenRequests()).length).toBe(before + 1)
})
