// Popup sign-in end to end: the page that opens the popup keeps its state, the popup hands the
// response back through the app's callback page and closes itself, the opener exchanges the code
// once; a blocked or closed popup fails in plain words; forged relay messages are ignored.
import { type BrowserContext, expect, type Page, type Request, test } from '@playwright/test'
import {
  API,
  authorizationParams,
  CLIENT_ID,
  ISSUER,
  readStoredDpopKey,
  readStoredSession,
  recordMainFrameNavigations,
  resetPlaygroundConfig,
  SPA,
  setAuthServerConfig,
  tokenRequests,
} from './playground.js'
import { storedKeys } from './storage.js'

/** The prefix of the SDK's login-transaction keys, in IndexedDB and in sessionStorage. */
const TX_PREFIX = `latchkey:${new URL(ISSUER).href}:${CLIENT_ID}:tx:`

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

/** Token-endpoint requests the server received after the first `since`: [grant, status, proof]. */
async function tokenRequestsSince(since: number) {
  return (await tokenRequests()).slice(since).map((r) => [r.grant_type, r.status, r.dpop] as const)
}

/** What every page of the context (opener, popup, frames) sends to the authorization server. */
interface IssuerTraffic {
  /** Authorization requests (`/auth`), as URLs. */
  authorizations: URL[]
  /** Bodies of POSTs to the token endpoint, in order. */
  tokenBodies: URLSearchParams[]
  /** For each token-endpoint POST, whether the popup (not the opener) sent it. */
  tokenFromPopup: boolean[]
}

function recordIssuerTraffic(context: BrowserContext, opener: Page): IssuerTraffic {
  const traffic: IssuerTraffic = { authorizations: [], tokenBodies: [], tokenFromPopup: [] }
  context.on('request', (request: Request) => {
    const url = new URL(request.url())
    if (url.origin !== ISSUER) return
    if (url.pathname === '/auth') traffic.authorizations.push(url)
    if (url.pathname === '/token' && request.method() === 'POST') {
      traffic.tokenBodies.push(new URLSearchParams(request.postData() ?? ''))
      traffic.tokenFromPopup.push(request.frame().page() !== opener)
    }
  })
  return traffic
}

/** Clicks "Sign in with a popup" and returns the popup, on the server's login page. */
async function openPopup(page: Page): Promise<Page> {
  const popupOpened = page.waitForEvent('popup')
  await page.getByTestId('login-popup').click()
  const popup = await popupOpened
  await popup.waitForURL(`${ISSUER}/**`)
  await expect(popup.locator('input[name=login]')).toBeVisible()
  return popup
}

/** In the popup: signs in and consents; resolves once the popup has closed itself. */
async function finishPopupLogin(popup: Page, login: string): Promise<void> {
  const closed = popup.waitForEvent('close', { timeout: 10_000 })
  await popup.locator('input[name=login]').fill(login)
  await popup.locator('input[name=password]').fill('any password')
  await popup.locator('button[type=submit]').click()
  const consent = popup.getByRole('button', { name: 'Continue' })
  // The consent page shows on the first sign-in of a grant only; otherwise the popup goes
  // straight to the callback page and closes.
  const first = await Promise.race([
    consent.waitFor().then(() => 'consent' as const),
    closed.then(() => 'closed' as const),
  ])
  if (first === 'consent') await consent.click()
  await closed
}

for (const binding of ['DPoP', 'Bearer'] as const) {
  test(`popup sign-in with ${binding} keeps the page as it was and exchanges the code once`, async ({
    page,
    context,
  }) => {
    if (binding === 'Bearer') await setAuthServerConfig({ advertiseDpop: false })
    const user = `popup-${binding.toLowerCase()}-${Date.now()}`
    await page.goto('/')
    await expect(page.getByTestId('status')).toHaveText('unauthenticated')
    // A half-filled form: a full-page redirect would lose it.
    const typed = `${API}/api/me?draft=${Date.now()}`
    await page.getByTestId('fetch-url').fill(typed)
    const navigations = recordMainFrameNavigations(page)
    const traffic = recordIssuerTraffic(context, page)
    const before = (await tokenRequests()).length

    const popup = await openPopup(page)
    // The page behind the popup waits, still as it was.
    await expect(page.getByTestId('status')).not.toHaveText('authenticated')
    await finishPopupLogin(popup, user)

    expect(popup.isClosed(), 'the popup closed itself').toBe(true)
    await expect(page.getByTestId('status')).toHaveText('authenticated')
    await expect(page.getByTestId('user-sub')).toHaveText(user)
    await expect(page.getByTestId('error')).toBeHidden()
    await expect(page.getByTestId('fetch-url')).toHaveValue(typed)
    expect(page.url()).toBe(`${SPA}/`)
    expect(navigations, 'the opener never navigated').toEqual([])
    expect(await page.evaluate(() => window.latchkey.getState().silent)).toBe(false)

    // One code exchange, by the opener, with the popup's code.
    expect(await tokenRequestsSince(before)).toEqual([
      ['authorization_code', 200, binding === 'DPoP'],
    ])
    expect(traffic.tokenBodies.map((body) => body.get('grant_type'))).toEqual([
      'authorization_code',
    ])
    expect(traffic.tokenFromPopup, 'the popup itself exchanged nothing').toEqual([false])
    expect(traffic.authorizations).toHaveLength(1)
    // Its parameters: pushed (RFC 9126, which the playground offers) or in its URL.
    const authorization = await authorizationParams(traffic.authorizations[0] as URL)
    expect(authorization.get('redirect_uri')).toBe(`${SPA}/callback`)

    const dpop = binding === 'DPoP'
    expect(await page.evaluate(() => window.latchkey.getState().dpop)).toBe(dpop)
    await expect(page.getByTestId('token-binding')).toHaveText(dpop ? 'DPoP-bound' : 'Bearer')
    if (dpop) {
      // The popup's authorization request bound the code to this page's key (RFC 9449 section 10).
      const key = await readStoredDpopKey(page)
      expect(key, 'the SDK stored its DPoP key pair').toBeDefined()
      expect(authorization.get('dpop_jkt')).toBe(key?.thumbprint)
    } else {
      expect(authorization.has('dpop_jkt')).toBe(false)
      expect(await readStoredSession(page), 'a Bearer session is not persisted').toBeUndefined()
    }

    // The tokens work: the API answers for the user who signed in in the popup.
    const me = await page.evaluate(async (url) => {
      const response = await window.latchkey.authFetch(url)
      return { status: response.status, body: (await response.json()) as { sub?: string } }
    }, `${API}/api/me`)
    expect(me).toMatchObject({ status: 200, body: { sub: user } })
  })
}

test('a popup the browser blocks fails with popup_blocked and leaves no transaction behind', async ({
  playwright,
  browserName,
  launchOptions,
}) => {
  // Playwright starts Chromium with --disable-popup-blocking; this browser has the blocker on.
  const browser = await playwright[browserName].launch({
    ...launchOptions,
    ignoreDefaultArgs: ['--disable-popup-blocking'],
  })
  try {
    const context = await browser.newContext({ baseURL: SPA })
    const page = await context.newPage()
    const popups: Page[] = []
    context.on('page', (opened) => popups.push(opened))
    const before = (await tokenRequests()).length
    // The page itself calls loginWithPopup() once the SDK has settled, outside any user gesture,
    // as an app calling it after an `await` would. Playwright's own evaluate() and click() (and its
    // tracing) give the page a transient user activation, so the call waits until none is left.
    let reportOutcome: (outcome: string) => void = () => {}
    const reported = new Promise<string>((resolve) => {
      reportOutcome = resolve
    })
    await page.exposeFunction('reportPopupOutcome', (outcome: string) => reportOutcome(outcome))
    await page.addInitScript(() => {
      if (window.top !== window) return
      const report = (window as unknown as { reportPopupOutcome: (outcome: string) => void })
        .reportPopupOutcome
      const start = () => {
        if (navigator.userActivation.isActive || window.latchkey.getState().status === 'loading') {
          setTimeout(start, 100)
          return
        }
        window.latchkey.loginWithPopup().then(
          () => report('resolved'),
          (error: { code?: string }) => report(error.code ?? String(error)),
        )
      }
      window.addEventListener('load', start)
    })
    await page.goto('/')
    const outcome = await reported

    expect(outcome).toBe('popup_blocked')
    expect(popups, 'no popup opened').toEqual([])
    await expect(page.getByTestId('error-code')).toHaveText('popup_blocked')
    await expect(page.getByTestId('error')).toContainText('blocked the sign-in popup')
    await expect(page.getByTestId('status')).not.toHaveText('authenticated')
    expect((await storedKeys(page)).filter((key) => key.startsWith(TX_PREFIX))).toEqual([])
    const inSessionStorage = await page.evaluate(() => Object.keys(sessionStorage))
    expect(inSessionStorage.filter((key) => key.startsWith(TX_PREFIX))).toEqual([])
    expect(await tokenRequestsSince(before)).toEqual([])

    // The same browser lets the button open it: the click is a user gesture, and the SDK opens
    // the popup inside it.
    const popupOpened = page.waitForEvent('popup')
    await page.getByTestId('login-popup').click()
    const popup = await popupOpened
    await popup.waitForURL(`${ISSUER}/**`)
    await expect(page.getByTestId('error')).toBeHidden()
    await popup.close()
  } finally {
    await browser.close()
  }
})

/** The login transactions stored in the page's IndexedDB. */
async function storedTransactions(page: Page): Promise<string[]> {
  return (await storedKeys(page)).filter((key) => key.startsWith(TX_PREFIX))
}

test('a popup on a server that sends Cross-Origin-Opener-Policy signs in through the relay channel', async ({
  page,
  context,
}) => {
  await setAuthServerConfig({ coop: true })
  const user = `popup-coop-${Date.now()}`
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const traffic = recordIssuerTraffic(context, page)
  const before = (await tokenRequests()).length

  const popup = await openPopup(page)
  expect(
    await popup.evaluate(() => window.opener === null),
    'COOP cut the popup off from the page that opened it',
  ).toBe(true)
  // The page's handle now reads `closed`; the user is still typing. The SDK used to give up
  // within a second (popup_closed) and delete the transaction.
  await page.waitForTimeout(1500)
  await expect(page.getByTestId('error')).toBeHidden()
  expect(await storedTransactions(page), 'the sign-in is still pending').toHaveLength(1)

  await finishPopupLogin(popup, user)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('error')).toBeHidden()
  expect(await tokenRequestsSince(before)).toEqual([['authorization_code', 200, true]])
  expect(traffic.tokenFromPopup, 'the opener exchanged the code').toEqual([false])
  expect(await storedTransactions(page)).toEqual([])
})

test('a closed popup leaves the sign-in pending; signing in again takes over, and both calls resolve', async ({
  page,
  context,
}) => {
  // Closing cannot be told from a COOP page cutting the popup off (above), so it fails nothing.
  const user = `popup-again-${Date.now()}`
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const traffic = recordIssuerTraffic(context, page)
  const before = (await tokenRequests()).length
  const firstOpened = page.waitForEvent('popup')
  await page.evaluate(() => {
    const outcome = { value: 'pending' }
    Object.assign(window, { firstPopupOutcome: outcome })
    window.latchkey.loginWithPopup().then(
      () => {
        outcome.value = 'resolved'
      },
      (error: { code?: string }) => {
        outcome.value = error.code ?? String(error)
      },
    )
  })
  const first = await firstOpened
  await first.waitForURL(`${ISSUER}/**`)
  await first.close()
  await page.waitForTimeout(1500)
  await expect(page.getByTestId('error')).toBeHidden()
  expect(await storedTransactions(page)).toHaveLength(1)

  const second = await openPopup(page)
  await finishPopupLogin(second, user)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('error')).toBeHidden()
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          (window as unknown as { firstPopupOutcome: { value: string } }).firstPopupOutcome.value,
      ),
    )
    .toBe('resolved')
  expect(traffic.authorizations).toHaveLength(2)
  expect((await tokenRequestsSince(before)).map(([grant, status]) => [grant, status])).toEqual([
    ['authorization_code', 200],
  ])
  expect(await storedTransactions(page), 'the first transaction was deleted').toEqual([])
})

test('with IndexedDB unavailable, the popup hands the response back to the opener', async ({
  page,
  context,
}) => {
  // Every page of the context, the popup included: its sessionStorage is the opener's, copied
  // when it opened, before the sign-in stored its transaction there.
  await context.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError')
    }
  })
  const user = `popup-no-idb-${Date.now()}`
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await expect
    .poll(() => page.evaluate(() => window.latchkey.getState().error?.code))
    .toBe('storage_unavailable')
  const traffic = recordIssuerTraffic(context, page)
  const before = (await tokenRequests()).length

  const popup = await openPopup(page)
  await finishPopupLogin(popup, user)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  expect(traffic.tokenFromPopup, 'the opener, not the popup, exchanged the code').toEqual([false])
  expect((await tokenRequestsSince(before)).map(([grant, status]) => [grant, status])).toEqual([
    ['authorization_code', 200],
  ])
  const left = await page.evaluate(() => Object.keys(sessionStorage))
  expect(left.filter((key) => key.startsWith(TX_PREFIX))).toEqual([])
})

test('when the popup code cannot be loaded, the popup closes and the call fails with network_error', async ({
  page,
}) => {
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  // As offline, or after a deploy replaced the app's chunks.
  await page.route(/\/popup\.(ts|js)(\?|$)/, (route) => route.abort('internetdisconnected'))
  const before = (await tokenRequests()).length

  const popupOpened = page.waitForEvent('popup')
  await page.getByTestId('login-popup').click()
  const popup = await popupOpened
  if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 5000 })

  await expect(page.getByTestId('error-code')).toHaveText('network_error')
  await expect(page.getByTestId('status')).not.toHaveText('authenticated')
  expect(await tokenRequestsSince(before)).toEqual([])
})

test('cancelling in the popup fails with authorization_denied, without a token request', async ({
  page,
}) => {
  await page.goto('/')
  const before = (await tokenRequests()).length
  const popup = await openPopup(page)
  const closed = popup.waitForEvent('close', { timeout: 10_000 })

  await popup.getByRole('link', { name: /cancel/i }).click()
  await closed

  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('error')).toContainText('access_denied')
  expect(await tokenRequestsSince(before)).toEqual([])
  expect(page.url()).toBe(`${SPA}/`)
})

test('a popup with no answer within timeoutMs fails with timeout and is closed', async ({
  page,
}) => {
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const popupOpened = page.waitForEvent('popup')
  // evaluate() runs as a user gesture, as a click handler would.
  const outcome = page.evaluate(() =>
    window.latchkey.loginWithPopup({ timeoutMs: 2000 }).then(
      () => 'resolved',
      (error: { code?: string }) => error.code ?? String(error),
    ),
  )
  const popup = await popupOpened
  const closed = popup.waitForEvent('close', { timeout: 5000 })

  expect(await outcome).toBe('timeout')
  await closed
  await expect(page.getByTestId('error-code')).toHaveText('timeout')
})

test('forged relay messages from another origin or another window are ignored', async ({
  page,
  context,
}) => {
  const user = `forged-${Date.now()}`
  const forger = '<!doctype html><title>forger</title>'
  await page.route(`${API}/__forger`, (route) =>
    route.fulfill({ contentType: 'text/html', body: forger }),
  )
  await page.route(`${SPA}/__forger`, (route) =>
    route.fulfill({ contentType: 'text/html', body: forger }),
  )
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  const traffic = recordIssuerTraffic(context, page)
  const before = (await tokenRequests()).length
  // Two attacker frames in the page: one on another origin, one on the app's own origin.
  await page.evaluate(
    (sources) =>
      Promise.all(
        sources.map(
          (src) =>
            new Promise((resolve) => {
              const frame = document.createElement('iframe')
              frame.src = src
              frame.onload = resolve
              document.body.append(frame)
            }),
        ),
      ),
    [`${API}/__forger`, `${SPA}/__forger`],
  )
  // What the page receives, as the page sees it, to prove the forgeries were delivered.
  await page.evaluate(() => {
    const seen: string[] = []
    Object.assign(window, { relayMessagesSeen: seen })
    window.addEventListener('message', (event) => {
      if ((event.data as { type?: unknown })?.type === 'latchkey:callback') seen.push(event.origin)
    })
  })

  const popup = await openPopup(page)
  const state = (await authorizationParams(traffic.authorizations[0] as URL)).get('state')
  expect(state, 'the popup sent an authorization request with a state').toBeTruthy()
  const bogusCode = `bogus-code-${Date.now()}`
  const forged = {
    type: 'latchkey:callback',
    url: `${SPA}/callback?code=${bogusCode}&state=${state}&iss=${encodeURIComponent(ISSUER)}`,
  }
  const crossOrigin = page.frames().find((frame) => frame.url() === `${API}/__forger`)
  const sameOrigin = page.frames().find((frame) => frame.url() === `${SPA}/__forger`)
  if (!crossOrigin || !sameOrigin) throw new Error('the forger frames did not load')

  // Another origin, another window.
  await crossOrigin.evaluate((message) => window.parent.postMessage(message, '*'), forged)
  // The app's origin, but not the popup's window.
  await sameOrigin.evaluate((message) => window.parent.postMessage(message, '*'), forged)
  // The popup's window, but while it shows the authorization server: not the app's origin.
  const fromPopup = await popup.evaluate((message) => {
    if (!window.opener) return false
    ;(window.opener as Window).postMessage(message, '*')
    return true
  }, forged)
  expect(fromPopup, 'the popup has an opener to post to').toBe(true)

  await expect
    .poll(() =>
      page.evaluate(() => (window as unknown as { relayMessagesSeen: string[] }).relayMessagesSeen),
    )
    .toEqual([API, SPA, ISSUER])
  // Give a (wrong) acceptance time to reach the token endpoint before looking.
  await page.waitForTimeout(500)
  expect(await tokenRequestsSince(before), 'no forged code was exchanged').toEqual([])
  await expect(page.getByTestId('error')).toBeHidden()
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  expect(popup.isClosed(), 'the sign-in is still waiting for its popup').toBe(false)

  await finishPopupLogin(popup, user)

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('error')).toBeHidden()
  expect((await tokenRequestsSince(before)).map(([grant, status]) => [grant, status])).toEqual([
    ['authorization_code', 200],
  ])
  expect(traffic.tokenBodies).toHaveLength(1)
  const exchanged = traffic.tokenBodies[0]?.get('code')
  expect(exchanged).toBeTruthy()
  expect(exchanged).not.toBe(bogusCode)
  for (const body of traffic.tokenBodies) expect(body.toString()).not.toContain(bogusCode)
})
