import { expect, test } from '@playwright/test'
import { apiRequests, signIn } from './playground.js'

test('authFetch refuses a non-allowed origin and no request reaches it', async ({ page }) => {
  await signIn(page, `origin-${Date.now()}`)
  const marker = `/api/me?probe=${Date.now()}`

  // The same API server, reached through another origin (127.0.0.1 is not localhost).
  await page.getByTestId('fetch-url').fill(`http://127.0.0.1:4001${marker}`)
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toHaveText('Refused: origin_not_allowed')
  await expect(page.getByTestId('error-code')).toHaveText('origin_not_allowed')

  // Through the allowed origin the same probe does arrive, with a token: the log is live.
  await page.getByTestId('fetch-url').fill(`http://localhost:4001${marker}`)
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')

  const probes = (await apiRequests()).filter((r) => r.path.includes(marker))
  expect(probes.filter((r) => r.host !== 'localhost:4001')).toEqual([])
  expect(probes.filter((r) => r.method === 'GET').map((r) => [r.host, r.hasAuthorization])).toEqual(
    [['localhost:4001', true]],
  )
})
