// Tokens per API (the `apis` option, RFC 8707): the SPA calls the demo API and the reports API,
// each of which accepts only tokens for its own audience, with one sign-in and one refresh token.
// Specs that count refreshes run their tabs as background tabs (see asBackgroundTabs).
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import {
  API,
  asBackgroundTabs,
  authorizationParams,
  consentAt,
  ISSUER,
  REPORTS,
  readStoredSession,
  recordAuthorizationRequests,
  refreshTokenActive,
  refreshTokenRequests,
  reportsRequests,
  setAccessTokenTtl,
  signIn,
  tokenRequests,
  tokenRequestsSince,
  waitForTokenToAge,
} from './playground.js'

test.afterEach(async () => {
  await setAccessTokenTtl(300)
})

/** The `aud` of a JWT access token, as an array. */
function audienceOf(token: string): string[] {
  const { aud } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString())
  return Array.isArray(aud) ? aud : [aud]
}

/** The page's main token and its reports API token. */
function tokensOf(page: Page): Promise<[string, string]> {
  return page.evaluate(
    (reports) =>
      Promise.all([
        window.latchkey.getAccessToken(),
        window.latchkey.getAccessToken({ api: reports }),
      ]),
    REPORTS,
  )
}

/** The session's reports token, as stored in IndexedDB. */
async function storedReportsToken(page: Page) {
  return (await readStoredSession(page))?.apis?.[REPORTS]
}

/** Opens the SPA in another tab of the same browser context and waits until it has settled. */
async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  return page
}

test('1. one sign-in asks for both APIs; each API gets a token for its own audience', async ({
  page,
}) => {
  const authorizations = recordAuthorizationRequests(page)
  const user = `apis-${Date.now()}`
  await signIn(page, user)
  const params = await authorizationParams(authorizations[0] as string)
  expect(params.getAll('resource')).toEqual([API, REPORTS])
  expect(params.get('scope')?.split(' ')).toEqual(
    expect.arrayContaining(['api:read', 'reports:read']),
  )
  const before = (await tokenRequests()).length

  // The demo's button calls the reports API through authFetch.
  await page.getByTestId('call-reports').click()
  await expect(page.getByTestId('reports-result')).toContainText('HTTP 200')
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')

  const [main, reports] = await tokensOf(page)
  expect(audienceOf(main)).toEqual([API])
  expect(audienceOf(reports)).toEqual([REPORTS])
  const since = (await tokenRequests()).slice(before)
  expect(
    since.map(({ grant_type, resource, scope, status }) => [grant_type, resource, scope, status]),
  ).toEqual([['refresh_token', REPORTS, 'reports:read', 200]])
  const [call] = (await reportsRequests()).slice(-1)
  expect(call).toMatchObject({ path: '/api/me', status: 200, scheme: 'DPoP', hasDpopProof: true })
  // Each API refuses the other's token: the audiences differ, as the APIs check.
  const crossed = await page.evaluate(
    async ([reportsUrl, token]) =>
      (await fetch(`${reportsUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } }))
        .status,
    [REPORTS, main] as const,
  )
  expect(crossed).toBe(401)
  // The inspector shows the refresh for the reports API as its own step.
  await expect(page.getByRole('region', { name: 'Flow inspector' })).toContainText(
    `Refresh token exchanged for a token for ${REPORTS} (RFC 8707)`,
  )
})

test('2. five tabs x two APIs x ten reads in the refresh window: one refresh per API, no reuse', async ({
  page,
  context,
}) => {
  await asBackgroundTabs(context)
  await setAccessTokenTtl(6)
  await signIn(page, `apis-tabs-${Date.now()}`)
  await page.evaluate((reports) => window.latchkey.getAccessToken({ api: reports }), REPORTS)
  const others = await Promise.all([1, 2, 3, 4].map(() => openTab(context)))
  const pages = [page, ...others]
  // Both tokens into their refresh window: the main one, then the reports one (got just after).
  await waitForTokenToAge(page)
  const reportsToken = await storedReportsToken(page)
  expect(reportsToken?.expiresAt).toEqual(expect.any(Number))
  const wait = (reportsToken?.expiresAt as number) - 2000 + 500 - Date.now()
  if (wait > 0) await page.waitForTimeout(wait)
  const before = (await refreshTokenRequests()).length

  const statuses = await Promise.all(
    pages.map((p) =>
      p.evaluate(
        ([api, reports]) =>
          Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              window.latchkey.authFetch(`${i % 2 ? reports : api}/api/me`).then((r) => r.status),
            ),
          ),
        [API, REPORTS] as const,
      ),
    ),
  )

  expect(statuses.flat()).toEqual(Array(100).fill(200))
  const refreshes = (await refreshTokenRequests()).slice(before)
  expect(refreshes.map(({ resource, status, error }) => [resource, status, error]).sort()).toEqual([
    [API, 200, undefined],
    [REPORTS, 200, undefined],
  ])
  for (const p of pages) await expect(p.getByTestId('status')).toHaveText('authenticated')
  const tokens = await Promise.all(pages.map(tokensOf))
  expect(new Set(tokens.map(([main]) => main)).size, 'one main token in every tab').toBe(1)
  expect(new Set(tokens.map(([, reports]) => reports)).size, 'one reports token in every tab').toBe(
    1,
  )
})

test('3. a reload restores both tokens, with no request to the authorization server', async ({
  page,
}) => {
  await signIn(page, `apis-reload-${Date.now()}`)
  const [main, reports] = await tokensOf(page)
  const toIssuer: string[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(ISSUER)) toIssuer.push(`${request.method()} ${request.url()}`)
  })

  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  const statuses = await page.evaluate(
    ([api, reportsUrl]) =>
      Promise.all(
        [api, reportsUrl].map((origin) =>
          window.latchkey.authFetch(`${origin}/api/me`).then((r) => r.status),
        ),
      ),
    [API, REPORTS] as const,
  )
  expect(statuses).toEqual([200, 200])
  expect(await tokensOf(page)).toEqual([main, reports])
  expect(toIssuer).toEqual([])
})

test('4. logout revokes the one refresh token, the one the reports grant rotated to', async ({
  page,
}) => {
  await signIn(page, `apis-logout-${Date.now()}`)
  const signedIn = (await readStoredSession(page))?.refreshToken as string
  await page.evaluate((reports) => window.latchkey.getAccessToken({ api: reports }), REPORTS)
  const rotated = (await readStoredSession(page))?.refreshToken as string
  expect(rotated).not.toBe(signedIn)
  expect(await refreshTokenActive(signedIn)).toBe(false) // spent by the reports grant
  expect(await refreshTokenActive(rotated)).toBe(true)

  await page.getByTestId('logout').click()
  // Revoked before the page leaves for the end-session page.
  await page.waitForURL(`${ISSUER}/**`)
  expect(await refreshTokenActive(rotated)).toBe(false)
})

for (const [demo, app] of [
  ['React', 'http://localhost:5174'],
  ['Vue', 'http://localhost:5175'],
] as const) {
  test(`5. the ${demo} demo calls the reports API with a token of its own`, async ({ page }) => {
    const user = `apis-${demo.toLowerCase()}-${Date.now()}`
    await page.goto(`${app}/`)
    await page.getByTestId('login').click()
    await page.waitForURL(`${ISSUER}/**`)
    await consentAt(page, user, app)
    await expect(page.getByTestId('status')).toHaveText('authenticated')
    await page.getByTestId('protected-link').click()
    await page.waitForURL(`${app}/protected`)
    const since = (await tokenRequests()).length

    await page.getByTestId('call-reports').click()
    await expect(page.getByTestId('reports-result')).toContainText('HTTP 200')
    const body = JSON.parse(
      ((await page.getByTestId('reports-result').textContent()) ?? '').replace(/^HTTP 200\s*/, ''),
    )
    expect(body.sub).toBe(user)
    expect(await tokenRequestsSince(since)).toEqual([['refresh_token', 200]])
    expect((await tokenRequests()).at(-1)).toMatchObject({
      resource: REPORTS,
      scope: 'reports:read',
    })
    // The demo API still gets the main token, with no other request.
    await page.getByTestId('call-api').click()
    await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
    expect(await tokenRequestsSince(since)).toEqual([['refresh_token', 200]])
  })
}
