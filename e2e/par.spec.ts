// Pushed authorization requests (RFC 9126) end to end: the playground's server offers them, so the
// SPA (`par: 'auto'`, the default) pushes every sign-in's parameters and the browser reaches the
// authorization endpoint with `client_id` and `request_uri` alone; redirect, popup and silent
// sign-in; the push carries the DPoP proof (RFC 9449 section 10.1); the server's requiring mode
// (`requirePar`) works, and refuses both a request that was not pushed and a client with `par: false`.
import { fileURLToPath } from 'node:url'
import { expect, type Page, type Request, test } from '@playwright/test'
import {
  authorizationParams,
  CLIENT_ID,
  expectInspectorSteps,
  finishLogin,
  ISSUER,
  type ParRequest,
  parRequests,
  readStoredDpopKey,
  resetPlaygroundConfig,
  SPA,
  setAuthServerConfig,
  signIn,
  startLogin,
  tokenRequests,
  tokenRequestsSince,
} from './playground.js'

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

/** The server's PAR endpoint, from its metadata. */
async function parEndpoint(): Promise<string> {
  const metadata = (await (
    await fetch(`${ISSUER}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>
  expect(metadata.pushed_authorization_request_endpoint).toEqual(expect.any(String))
  return metadata.pushed_authorization_request_endpoint as string
}

/** The pushed requests the server received after the first `since`. */
async function parRequestsSince(since: number): Promise<ParRequest[]> {
  return (await parRequests()).slice(since)
}

/** Every authorization request (`/auth?...`) a page of the test's context makes, as requests. */
function recordAuthorizations(page: Page): Request[] {
  const seen: Request[] = []
  page.context().on('request', (request) => {
    if (request.url().startsWith(`${ISSUER}/auth?`)) seen.push(request)
  })
  return seen
}

/** The names of a URL's query parameters, sorted. */
const queryNames = (url: string) => [...new URL(url).searchParams.keys()].sort()

test('redirect sign-in pushes the request: the address bar holds client_id and request_uri only, the push carries the DPoP proof, one code exchange', async ({
  page,
}) => {
  const endpoint = await parEndpoint()
  const authorizations = recordAuthorizations(page)
  const pushes: Request[] = []
  const documentRequests: string[] = []
  page.on('request', (request) => {
    if (request.url() === endpoint) pushes.push(request)
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
      documentRequests.push(request.url())
    }
  })
  const parBefore = (await parRequests()).length
  const tokensBefore = (await tokenRequests()).length

  await startLogin(page)
  expect(authorizations).toHaveLength(1)
  const authorization = authorizations[0]?.url() as string
  expect(queryNames(authorization)).toEqual(['client_id', 'request_uri'])
  expect(new URL(authorization).searchParams.get('client_id')).toBe(CLIENT_ID)
  await finishLogin(page, `par-${Date.now()}`)
  // No address the browser went to at the server shows a parameter of the request.
  const atServer = documentRequests.filter((url) => url.startsWith(ISSUER))
  expect(atServer.length).toBeGreaterThan(1)
  for (const url of atServer) {
    expect(queryNames(url)).not.toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^(state|nonce|code_challenge|redirect_uri|scope|dpop_jkt)$/),
      ]),
    )
  }

  // The push, as the server recorded it: the whole request, from the SPA, with a DPoP proof.
  const pushed = await parRequestsSince(parBefore)
  expect(pushed).toHaveLength(1)
  const [push] = pushed
  expect(push).toMatchObject({ client_id: CLIENT_ID, status: 201, dpop: true })
  expect(push?.request_uri).toBe(new URL(authorization).searchParams.get('request_uri'))
  expect(Object.keys(push?.params ?? {}).sort()).toEqual(
    expect.arrayContaining([
      'client_id',
      'code_challenge',
      'code_challenge_method',
      'dpop_jkt',
      'nonce',
      'redirect_uri',
      'resource',
      'response_type',
      'scope',
      'state',
    ]),
  )
  expect(push?.params.redirect_uri).toBe(`${SPA}/callback`)
  // The proof and the dpop_jkt name the key the session is bound to (RFC 9449 section 10.1).
  const key = await readStoredDpopKey(page)
  expect(push?.params.dpop_jkt).toBe(key?.thumbprint)
  expect(pushes).toHaveLength(1)
  expect(pushes[0]?.method()).toBe('POST')
  expect(pushes[0]?.headers().dpop).toMatch(/^eyJ/)
  await expect(page.getByTestId('token-binding')).toHaveText('DPoP-bound')

  expect(await tokenRequestsSince(tokensBefore)).toEqual([['authorization_code', 200]])
  // The flow inspector shows the push as its own steps, in the authorization phase.
  await expectInspectorSteps(page, ['pkce', 'par_request', 'par_response', 'authorize', 'callback'])
  const step = page.locator('[data-step=par_request]').last()
  await expect(step).toHaveClass(/fi-authorization/)
  await expect(step).toContainText(endpoint)
})

test('the push answers a DPoP nonce challenge with one retry', async ({ page }) => {
  await setAuthServerConfig({ dpopNonce: true })
  const parBefore = (await parRequests()).length
  await signIn(page, `par-nonce-${Date.now()}`)
  const pushed = await parRequestsSince(parBefore)
  expect(pushed.map((push) => [push.status, push.dpop, push.error ?? null])).toEqual([
    [400, true, 'use_dpop_nonce'],
    [201, true, null],
  ])
})

test('popup sign-in pushes the request from the opener; the popup goes with client_id and request_uri only', async ({
  page,
}) => {
  const endpoint = await parEndpoint()
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const authorizations = recordAuthorizations(page)
  const pushedFrom: Array<Page | null> = []
  page.context().on('request', (request) => {
    if (request.url() === endpoint) pushedFrom.push(request.frame().page())
  })
  const parBefore = (await parRequests()).length
  const tokensBefore = (await tokenRequests()).length

  const opened = page.waitForEvent('popup')
  await page.getByTestId('login-popup').click()
  const popup = await opened
  await popup.waitForURL(`${ISSUER}/**`)
  expect(authorizations).toHaveLength(1)
  expect(authorizations[0]?.frame().page()).toBe(popup)
  expect(queryNames(authorizations[0]?.url() as string)).toEqual(['client_id', 'request_uri'])
  expect(pushedFrom).toEqual([page])

  const closed = popup.waitForEvent('close', { timeout: 10_000 })
  await popup.locator('input[name=login]').fill(`par-popup-${Date.now()}`)
  await popup.locator('input[name=password]').fill('any password')
  await popup.locator('button[type=submit]').click()
  const consent = popup.getByRole('button', { name: 'Continue' })
  if ((await Promise.race([consent.waitFor().then(() => 1), closed.then(() => 0)])) === 1) {
    await consent.click()
  }
  await closed
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  const pushed = await parRequestsSince(parBefore)
  expect(pushed.map((push) => [push.status, push.dpop])).toEqual([[201, true]])
  expect((await authorizationParams(authorizations[0]?.url() as string)).get('redirect_uri')).toBe(
    `${SPA}/callback`,
  )
  expect(await tokenRequestsSince(tokensBefore)).toEqual([['authorization_code', 200]])
})

test('a server that requires pushed requests: the SPA signs in (redirect and silent), a request in the URL is refused', async ({
  page,
}) => {
  await setAuthServerConfig({ requirePar: true })
  const metadata = (await (
    await fetch(`${ISSUER}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>
  expect(metadata.require_pushed_authorization_requests).toBe(true)

  // oidc-provider itself refuses an authorization request that was not pushed.
  const direct = new URL(`${ISSUER}/auth`)
  direct.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: `${SPA}/callback`,
    response_type: 'code',
    scope: 'openid',
    state: 'direct-state',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString()
  const refused = await fetch(direct, { redirect: 'manual' })
  const location = new URL(refused.headers.get('location') ?? '', ISSUER)
  expect(location.searchParams.get('error')).toBe('invalid_request')
  expect(location.searchParams.get('error_description')).toMatch(/Pushed Authorization Request/i)

  const authorizations = recordAuthorizations(page)
  const tokensBefore = (await tokenRequests()).length
  await signIn(page, `par-required-${Date.now()}`)
  expect(queryNames(authorizations[0]?.url() as string)).toEqual(['client_id', 'request_uri'])
  expect(await tokenRequestsSince(tokensBefore)).toEqual([['authorization_code', 200]])

  // Silent sign-in: the hidden iframe goes with the request_uri of a pushed prompt=none request.
  const silent = await page.evaluate(() =>
    window.latchkey.loginSilently().then(
      () => 'resolved',
      (error: { code?: string }) => error.code ?? String(error),
    ),
  )
  expect(silent).toBe('resolved')
  expect(authorizations).toHaveLength(2)
  const iframe = authorizations[1] as Request
  expect(iframe.frame()).not.toBe(page.mainFrame())
  expect(queryNames(iframe.url())).toEqual(['client_id', 'request_uri'])
  expect((await authorizationParams(iframe.url())).get('prompt')).toBe('none')
})

test('par: false against a server that requires pushed requests fails before leaving, naming the option', async ({
  page,
}) => {
  await setAuthServerConfig({ requirePar: true })
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const parBefore = (await parRequests()).length
  const authorizations = recordAuthorizations(page)
  // A second client in the SPA's page, from the same module (Vite serves the SDK's source), with
  // `par: false`.
  const core = `/@fs${fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))}`
  const failure = await page.evaluate(
    async ({ core, spa }) => {
      const { createAuth } = (await import(core)) as typeof import('../packages/core/src/index.js')
      const auth = createAuth({
        issuer: 'http://localhost:4000',
        clientId: 'latchkey-spa',
        redirectUri: `${spa}/callback`,
        storage: 'memory',
        silentLogin: false,
        par: false,
      })
      try {
        await auth.login()
        return { code: 'none', message: 'login() resolved', state: auth.getState().status }
      } catch (error) {
        const { code, message } = error as { code: string; message: string }
        return { code, message, state: auth.getState().status }
      }
    },
    { core, spa: SPA },
  )
  expect(failure).toEqual({
    code: 'config_invalid',
    message: expect.stringContaining(
      '`par: false`, but the server requires pushed authorization requests',
    ),
    state: 'error',
  })
  expect(page.url()).toBe(`${SPA}/`)
  expect(authorizations).toEqual([])
  expect(await parRequestsSince(parBefore)).toEqual([])
})
