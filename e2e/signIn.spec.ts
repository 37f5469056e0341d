import { expect, test } from '@playwright/test'
import {
  API,
  apiRequests,
  expectInspectorSteps,
  ISSUER,
  SPA,
  signIn,
  startLogin,
  tokenRequests,
} from './playground.js'

test('a user signs in, calls the API with a token, and signs out at the server too', async ({
  page,
}) => {
  const user = `ada-${Date.now()}`
  const tokensBefore = (await tokenRequests()).length

  await signIn(page, user)
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('expires-at')).not.toHaveText('unknown')
  // The code and state left the address bar without a new history entry for them.
  expect(page.url()).toBe(`${SPA}/`)
  const after = await tokenRequests()
  expect(after.slice(tokensBefore).map((r) => [r.grant_type, r.status])).toEqual([
    ['authorization_code', 200],
  ])

  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  const body = JSON.parse(
    ((await page.getByTestId('api-result').textContent()) ?? '').replace(/^HTTP 200\n/, ''),
  )
  expect(body.sub).toBe(user)
  expect(body.client_id).toBe('latchkey-spa')
  const calls = (await apiRequests()).filter((r) => r.path === '/api/me' && r.method === 'GET')
  expect(calls.at(-1)).toMatchObject({ host: 'localhost:4001', hasAuthorization: true })
  // The flow inspector under the app followed along, across the trip to the server.
  await expectInspectorSteps(page, [
    'authorize',
    'callback',
    'tokens_validated',
    'api_request',
    'api_response',
  ])

  // Without the SDK, the same API refuses the call.
  const anonymous = await fetch(`${API}/api/me`)
  expect(anonymous.status).toBe(401)
  expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /)

  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await expectInspectorSteps(page, [
    'api_response',
    'revocation_request',
    'revocation_response',
    'end_session',
  ])

  // Signed out at the server: signing in again asks for credentials instead of coming straight back.
  await startLogin(page)
})

test('a user who cancels at the server sees authorization_denied and has no session', async ({
  page,
}) => {
  const tokensBefore = (await tokenRequests()).length
  await startLogin(page)
  await page.getByRole('link', { name: /cancel/i }).click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('error')).toContainText('access_denied')
  // Each thing once: the SDK's message already names the server's error and description.
  const shown = (await page.getByTestId('error').textContent()) ?? ''
  expect(shown.split('access_denied')).toHaveLength(2)
  expect(shown.split('End-User aborted interaction')).toHaveLength(2)
  // The inspector's last step is the verdict, shown as a failure.
  await expectInspectorSteps(page, ['callback', 'flow_failed'])
  const last = page.getByRole('region', { name: 'Flow inspector' }).locator('[data-step]').last()
  await expect(last).toHaveAttribute('data-step', 'flow_failed')
  await expect(last).toHaveClass(/fi-failed/)
  await expect(last).toContainText('Failed: authorization_denied')
  await expect(page.getByTestId('status')).toHaveText('error')
  await expect(page.getByTestId('logout')).toBeHidden()
  expect(page.url()).toBe(`${SPA}/`)
  expect((await tokenRequests()).length).toBe(tokensBefore)

  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toHaveText('Refused: login_required')
})
