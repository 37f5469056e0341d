// What the e2e specs need to drive the playground: its URLs, its test hooks, and the sign-in pages.
import { expect, type Page } from '@playwright/test'

export const SPA = 'http://localhost:5173'
export const ISSUER = 'http://localhost:4000'
export const API = 'http://localhost:4001'

interface TokenRequest {
  grant_type: string
  status: number
  at: number
}

/** Every request the authorization server's token endpoint has received since it started. */
export async function tokenRequests(): Promise<TokenRequest[]> {
  const response = await fetch(`${ISSUER}/__playground/stats`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { tokenRequests: TokenRequest[] }).tokenRequests
}

interface ApiRequest {
  method: string
  path: string
  host: string
  origin: string | null
  hasAuthorization: boolean
  at: number
}

/** Every request the demo API has received since it started. */
export async function apiRequests(): Promise<ApiRequest[]> {
  const response = await fetch(`${API}/__playground/requests`)
  expect(response.status).toBe(200)
  return (await response.json()) as ApiRequest[]
}

/** Clicks "Sign in" and waits for the authorization server's login page. */
export async function startLogin(page: Page): Promise<void> {
  await page.goto('/')
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await expect(page.locator('input[name=login]')).toBeVisible()
}

/** Signs in through the dev login and consent pages, ending on the SPA, signed in. */
export async function signIn(page: Page, login: string): Promise<void> {
  await startLogin(page)
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  // The consent page shows on the first sign-in of a grant only.
  await Promise.race([consent.waitFor(), page.waitForURL(`${SPA}/**`)])
  if (page.url().startsWith(ISSUER)) await consent.click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
}
