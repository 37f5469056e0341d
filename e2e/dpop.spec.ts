// Sender-constrained tokens (DPoP, RFC 9449) end to end: what the servers issue and accept, what a
// thief can do with a copied token, where the key lives, nonces, persistence and the Bearer fallback.
import { type BrowserContext, expect, type Page, type Response, test } from '@playwright/test'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import {
  API,
  type ApiRequest,
  apiRequests,
  asBackgroundTabs,
  authorizationParams,
  DPOP_KEY_KEY,
  finishLogin,
  ISSUER,
  readStoredDpopKey,
  readStoredSession,
  resetPlaygroundConfig,
  SPA,
  setApiConfig,
  setAuthServerConfig,
  signIn,
  tokenRequests,
  waitForTokenToAge,
} from './playground.js'

const ME = `${API}/api/me`

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

/** The next successful POST to the token endpoint whose body has this grant type. */
function tokenResponse(page: Page, grantType: string): Promise<Response> {
  return page.waitForResponse(
    (response) =>
      response.url() === `${ISSUER}/token` &&
      response.request().method() === 'POST' &&
      response.status() === 200 &&
      new URLSearchParams(response.request().postData() ?? '').get('grant_type') === grantType,
  )
}

async function tokenType(response: Response): Promise<unknown> {
  return ((await response.json()) as { token_type?: unknown }).token_type
}

/** Every authorization request (`/auth?...`) the page navigates to, as URLs. */
function recordAuthorizationRequests(page: Page): string[] {
  const seen: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.origin === ISSUER && url.pathname === '/auth') seen.push(url.href)
  })
  return seen
}

/**
 * `dpop_jkt` of each authorization request (`null` when absent): in its URL, or, since the
 * playground offers pushed authorization requests, among the parameters pushed for it.
 */
function dpopJkts(urls: string[]): Promise<Array<string | null>> {
  return Promise.all(urls.map(async (url) => (await authorizationParams(url)).get('dpop_jkt')))
}

/** Token-endpoint requests after the first `since`: [grant_type, status, had a proof, error]. */
async function tokenRequestsSince(since: number) {
  return (await tokenRequests())
    .slice(since)
    .map((r) => [r.grant_type, r.status, r.dpop, r.error ?? null] as const)
}

/** GET /api/me requests the API received after the first `since` of all its requests. */
async function meRequestsSince(since: number): Promise<ApiRequest[]> {
  return (await apiRequests())
    .slice(since)
    .filter((r) => r.method === 'GET' && r.path.startsWith('/api/me'))
}

async function callApi(page: Page): Promise<void> {
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).not.toHaveText(/Calling/)
}

function authFetchStatus(page: Page): Promise<number> {
  return page.evaluate((url) => window.latchkey.authFetch(url).then((r) => r.status), ME)
}

/** Loads a blank page on the SPA's origin (no SDK running) to look at IndexedDB from outside. */
async function blankSpaPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage()
  await page.route(`${SPA}/__blank`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }),
  )
  await page.goto(`${SPA}/__blank`)
  return page
}

test('1. sign-in gets DPoP-bound tokens; API calls and the refresh carry proofs', async ({
  page,
  context,
}) => {
  await asBackgroundTabs(context)
  await setAuthServerConfig({ accessTokenTtl: 4 })
  const authorizations = recordAuthorizationRequests(page)
  const codeExchange = tokenResponse(page, 'authorization_code')
  const before = (await tokenRequests()).length

  await signIn(page, `dpop-${Date.now()}`)

  expect(await tokenType(await codeExchange)).toMatch(/^dpop$/i)
  expect(
    (await tokenRequestsSince(before)).filter(([grant]) => grant === 'authorization_code'),
  ).toEqual([['authorization_code', 200, true, null]])
  const key = await readStoredDpopKey(page)
  expect(key, 'the SDK stored its DPoP key pair').toBeDefined()
  expect(await dpopJkts(authorizations)).toEqual([key?.thumbprint])
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')
  expect(await page.evaluate(() => window.latchkey.getState().dpop)).toBe(true)

  const apiBefore = (await apiRequests()).length
  await callApi(page)
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  await expect(page.getByTestId('api-result')).toContainText('"token_type":"DPoP"')
  expect(
    (await meRequestsSince(apiBefore)).map((r) => [r.scheme, r.hasDpopProof, r.status]),
  ).toEqual([['DPoP', true, 200]])

  // The 4 s token expires; the next call refreshes it with a proof and uses the new token.
  const refreshesBefore = (await tokenRequests()).length
  const refresh = tokenResponse(page, 'refresh_token')
  await waitForTokenToAge(page, { expired: true })
  const afterExpiry = (await apiRequests()).length
  await callApi(page)

  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  expect(await tokenType(await refresh)).toMatch(/^dpop$/i)
  expect(await tokenRequestsSince(refreshesBefore)).toEqual([['refresh_token', 200, true, null]])
  expect(
    (await meRequestsSince(afterExpiry)).map((r) => [r.scheme, r.hasDpopProof, r.status]),
  ).toEqual([['DPoP', true, 200]])
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')
})

test('2. the access token copied out of the page is useless from elsewhere', async ({ page }) => {
  await signIn(page, `thief-${Date.now()}`)
  const proofs: Array<Promise<string | undefined>> = []
  page.on('request', (request) => {
    if (request.url() === ME && request.method() === 'GET') {
      proofs.push(request.allHeaders().then((headers) => headers.dpop))
    }
  })

  // Control: the page itself, with its key, gets through.
  expect(await authFetchStatus(page)).toBe(200)
  expect(proofs).toHaveLength(1)
  const pageProof = await proofs[0]
  expect(pageProof, 'the page sent a DPoP proof').toEqual(expect.any(String))
  const accessToken = (await readStoredSession(page))?.accessToken
  expect(accessToken, 'the session is in IndexedDB').toEqual(expect.any(String))
  const token = accessToken as string

  const asBearer = await fetch(ME, { headers: { authorization: `Bearer ${token}` } })
  expect(asBearer.status).toBe(401)
  expect(asBearer.headers.get('www-authenticate')).toMatch(/error="invalid_token"/)

  const thiefKey = await generateKeyPair('ES256')
  const ath = Buffer.from(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)),
  ).toString('base64url')
  const thiefProof = await new SignJWT({ htm: 'GET', htu: ME, ath, jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(thiefKey.publicKey) })
    .setIssuedAt()
    .sign(thiefKey.privateKey)
  const withOtherKey = await fetch(ME, {
    headers: { authorization: `DPoP ${token}`, dpop: thiefProof },
  })
  expect(withOtherKey.status).toBe(401)
  expect(withOtherKey.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/)

  const replayed = await fetch(ME, {
    headers: { authorization: `DPoP ${token}`, dpop: pageProof as string },
  })
  expect(replayed.status).toBe(401)
  expect(replayed.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/)

  // None of that hurt the real session.
  expect(await authFetchStatus(page)).toBe(200)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
})

test('3. the stored DPoP private key cannot be exported by script', async ({ page }) => {
  await signIn(page, `export-${Date.now()}`)

  const key = await readStoredDpopKey(page)

  expect(key, 'a key pair is stored').toBeDefined()
  expect(key?.keyNames).toEqual([DPOP_KEY_KEY])
  expect(key?.algorithm).toBe('ECDSA P-256')
  expect(key?.privateType).toBe('private')
  expect(key?.privateExtractable).toBe(false)
  expect(key?.privateExport).toEqual({ jwk: 'InvalidAccessError', pkcs8: 'InvalidAccessError' })
  // The key is still good for what it is for.
  expect(await authFetchStatus(page)).toBe(200)
})

test('4. nonce challenges at the token endpoint and at the API get one retry each', async ({
  page,
  context,
}) => {
  await asBackgroundTabs(context)
  await signIn(page, `nonce-${Date.now()}`)

  await setAuthServerConfig({ dpopNonce: true })
  const before = (await tokenRequests()).length
  await page.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  expect(await tokenRequestsSince(before)).toEqual([
    ['refresh_token', 400, true, 'use_dpop_nonce'],
    ['refresh_token', 200, true, null],
  ])
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  // The nonce is remembered: the next refresh needs no challenge.
  const second = (await tokenRequests()).length
  await page.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  expect(await tokenRequestsSince(second)).toEqual([['refresh_token', 200, true, null]])

  await setApiConfig({ dpopNonce: true })
  const apiBefore = (await apiRequests()).length
  expect(await authFetchStatus(page)).toBe(200)
  expect(
    (await meRequestsSince(apiBefore)).map((r) => [r.scheme, r.hasDpopProof, r.status]),
  ).toEqual([
    ['DPoP', true, 401],
    ['DPoP', true, 200],
  ])
  const apiSecond = (await apiRequests()).length
  expect(await authFetchStatus(page)).toBe(200)
  expect((await meRequestsSince(apiSecond)).map((r) => r.status)).toEqual([200])
  await expect(page.getByTestId('status')).toHaveText('authenticated')
})

test('5. a reload keeps the session and the key; five tabs starting at once share one key', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000)
  await signIn(page, `keep-${Date.now()}`)
  const before = await readStoredDpopKey(page)
  expect(before, 'a key pair is stored').toBeDefined()
  const toIssuer: string[] = []
  page.on('request', (request) => {
    if (request.url().startsWith(ISSUER)) toIssuer.push(request.url())
  })

  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')
  expect((await readStoredDpopKey(page))?.thumbprint).toBe(before?.thumbprint)
  const apiBefore = (await apiRequests()).length
  expect(await authFetchStatus(page)).toBe(200)
  expect((await meRequestsSince(apiBefore)).map((r) => [r.scheme, r.status])).toEqual([
    ['DPoP', 200],
  ])
  expect(toIssuer, 'the session came from IndexedDB, not the server').toEqual([])

  // A fresh browser profile: five tabs, all clicking "Sign in" at the same moment.
  const fresh = await browser.newContext({ baseURL: SPA })
  try {
    await fiveTabsSignInAtOnce(fresh)
  } finally {
    await fresh.close()
  }
})

async function fiveTabsSignInAtOnce(fresh: BrowserContext): Promise<void> {
  const tabs = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const tab = await fresh.newPage()
      await tab.goto('/')
      await expect(tab.getByTestId('status')).toHaveText('unauthenticated')
      return tab
    }),
  )
  const authorizations = tabs.map(recordAuthorizationRequests)
  const at = Date.now() + 500
  await Promise.all(
    tabs.map((tab) =>
      tab.evaluate((when) => {
        setTimeout(
          () => document.querySelector<HTMLElement>('[data-testid=login]')?.click(),
          when - Date.now(),
        )
      }, at),
    ),
  )
  await Promise.all(tabs.map((tab) => tab.waitForURL(`${ISSUER}/**`)))

  const observer = await blankSpaPage(fresh)
  const stored = await readStoredDpopKey(observer)
  expect(stored?.keyNames, 'one key pair in IndexedDB').toEqual([DPOP_KEY_KEY])
  expect(await dpopJkts(authorizations.flat())).toEqual(Array(5).fill(stored?.thumbprint))
  // Every tab's code exchange proves possession of that key.
  const login = `tabs-${Date.now()}`
  for (const tab of tabs) {
    await finishLogin(tab, login)
    await expect(tab.getByTestId('token-binding')).toHaveText('DPoP-bound')
  }
  expect((await readStoredDpopKey(observer))?.thumbprint).toBe(stored?.thumbprint)
}

test('6. against a server without DPoP, sign-in falls back to Bearer and memory', async ({
  page,
}) => {
  await setAuthServerConfig({ advertiseDpop: false })
  const authorizations = recordAuthorizationRequests(page)
  const codeExchange = tokenResponse(page, 'authorization_code')
  const before = (await tokenRequests()).length

  await signIn(page, `bearer-${Date.now()}`)

  expect(await tokenType(await codeExchange)).toMatch(/^bearer$/i)
  expect(await dpopJkts(authorizations)).toEqual([null])
  expect(
    (await tokenRequestsSince(before)).filter(([grant]) => grant === 'authorization_code'),
  ).toEqual([['authorization_code', 200, false, null]])
  await expect(page.getByTestId('token-binding')).toHaveText('Bearer')
  expect(await page.evaluate(() => window.latchkey.getState().dpop)).toBe(false)

  const apiBefore = (await apiRequests()).length
  await callApi(page)
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  expect(
    (await meRequestsSince(apiBefore)).map((r) => [r.scheme, r.hasDpopProof, r.status]),
  ).toEqual([['Bearer', false, 200]])
  expect(await readStoredSession(page), 'a Bearer session is not persisted').toBeUndefined()

  // Nothing kept, so a reload brings the session back by silent sign-in (e2e/silent.spec.ts).
  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  expect(await page.evaluate(() => window.latchkey.getState().silent)).toBe(true)
})
