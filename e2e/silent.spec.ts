// Silent sign-in end to end against a server without DPoP, whose Bearer sessions the SDK keeps in
// memory only: a reload brings the session back through prompt=none in a hidden iframe, with no
// visible navigation; new visitors and signed-out users cause no silent request at all; a server
// that wants the user settles quietly to signed out.
import { type BrowserContext, expect, type Page, test } from '@playwright/test'
import {
  API,
  authorizationParams,
  finishLogin,
  ISSUER,
  readStoredSession,
  recordMainFrameNavigations,
  resetPlaygroundConfig,
  SPA,
  setAuthServerConfig,
  signIn,
  startLogin,
  tokenRequests,
} from './playground.js'
import { storedEntries } from './storage.js'

test.beforeEach(async () => {
  // Most servers have no DPoP: the SDK then gets Bearer tokens and, with storage 'auto', keeps
  // them in memory only, so nothing restores the session on reload but a silent sign-in.
  await setAuthServerConfig({ advertiseDpop: false })
})

test.afterEach(async () => {
  await resetPlaygroundConfig()
})

/** Token-endpoint requests the server received after the first `since`: [grant, status, proof]. */
async function tokenRequestsSince(since: number) {
  return (await tokenRequests()).slice(since).map((r) => [r.grant_type, r.status, r.dpop] as const)
}

/** One authorization request (`/auth`) any page of the context made. */
interface Authorization {
  url: string
  /** Made by the page's top-level frame (a visible navigation) rather than a frame inside it. */
  topLevel: boolean
}

/**
 * Each request's `prompt` (in its URL, or pushed: the playground offers pushed authorization
 * requests, RFC 9126) and where it was made.
 */
function prompts(authorizations: Authorization[]) {
  return Promise.all(
    authorizations.map(async ({ url, topLevel }) => ({
      prompt: (await authorizationParams(url)).get('prompt'),
      topLevel,
    })),
  )
}

/** Records the authorization requests and the frames attached to `page` from now on. */
function watchSilentSignIn(context: BrowserContext, page: Page) {
  const authorizations: Authorization[] = []
  const framesAttached: string[] = []
  context.on('request', (request) => {
    const url = new URL(request.url())
    if (url.origin === ISSUER && url.pathname === '/auth') {
      authorizations.push({ url: url.href, topLevel: request.frame() === page.mainFrame() })
    }
  })
  page.on('frameattached', (frame) => framesAttached.push(frame.name() || 'unnamed frame'))
  return { authorizations, framesAttached }
}

/**
 * From the next document of `page` on, records every text the status line shows, including ones
 * replaced within the same task (from the mutation records, not from the text at callback time).
 */
async function recordStatuses(page: Page): Promise<void> {
  await page.addInitScript(() => {
    if (window.top !== window) return
    const seen: string[] = []
    Object.assign(window, { statusHistory: seen })
    const note = (text: string | null) => {
      if (text && text !== seen.at(-1)) seen.push(text)
    }
    new MutationObserver((records) => {
      for (const record of records) {
        const target = record.target
        const inStatus =
          target instanceof Element ? target.id === 'status' : target.parentElement?.id === 'status'
        if (record.type === 'characterData' && inStatus) note(target.textContent)
        for (const node of record.addedNodes) {
          if (inStatus) note(node.textContent)
          else if (node instanceof Element) {
            const status = node.id === 'status' ? node : node.querySelector('#status')
            if (status) note(status.textContent)
          }
        }
      }
    }).observe(document, { subtree: true, childList: true, characterData: true })
  })
}

function statusHistory(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { statusHistory: string[] }).statusHistory)
}

/** Everything the SPA's origin keeps at rest: IndexedDB values, Web Storage and cookies, as text. */
async function everythingAtRest(page: Page): Promise<string> {
  const indexedDbValues = await storedEntries(page)
  const web = await page.evaluate(() => ({
    localStorage: { ...localStorage },
    sessionStorage: { ...sessionStorage },
    cookies: document.cookie,
  }))
  return JSON.stringify({ indexedDbValues, ...web })
}

/** Calls `loginSilently()` in the page: `'resolved'` or the error's code. */
function loginSilently(page: Page, timeoutMs?: number): Promise<string> {
  return page.evaluate(
    (ms) =>
      window.latchkey.loginSilently(ms === undefined ? {} : { timeoutMs: ms }).then(
        () => 'resolved',
        (error: { code?: string }) => error.code ?? String(error),
      ),
    timeoutMs,
  )
}

async function signInWithBearer(page: Page, user: string): Promise<void> {
  await signIn(page, user)
  await expect(page.getByTestId('token-binding')).toHaveText('Bearer')
  expect(await readStoredSession(page), 'a Bearer session is kept in memory only').toBeUndefined()
}

test('a Bearer session comes back after a reload: no visible navigation, one token request', async ({
  page,
  context,
}) => {
  const user = `silent-${Date.now()}`
  const codeExchange = page.waitForResponse(
    (response) =>
      response.url() === `${ISSUER}/token` &&
      response.request().method() === 'POST' &&
      response.status() === 200,
  )
  await signInWithBearer(page, user)
  const issued = (await (await codeExchange).json()) as {
    access_token: string
    refresh_token?: string
  }
  expect(await page.evaluate(() => window.latchkey.getState().silent)).toBe(false)
  await expect(page.getByTestId('restored-silently')).toBeHidden()
  // What lets the SDK know to try holds no token and nothing about the user.
  const secrets = [issued.access_token, issued.refresh_token, user].filter(Boolean) as string[]
  const atRestBefore = await everythingAtRest(page)
  for (const secret of secrets) expect(atRestBefore).not.toContain(secret)

  await recordStatuses(page)
  const navigations = recordMainFrameNavigations(page)
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  const before = (await tokenRequests()).length

  await page.reload()

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('restored-silently')).toBeVisible()
  await expect(page.getByTestId('restored-silently')).toContainText('Restored silently')
  await expect(page.getByTestId('token-binding')).toHaveText('Bearer')
  await expect(page.getByTestId('error')).toBeHidden()
  expect(await page.evaluate(() => window.latchkey.getState().silent)).toBe(true)
  // The address bar only ever showed the app: the reload itself, nothing else.
  expect(navigations).toEqual([`${SPA}/`])
  expect(page.url()).toBe(`${SPA}/`)
  // The status went from loading straight to signed in, never through signed out or an error.
  expect(await statusHistory(page)).toEqual(['loading', 'authenticated'])
  expect(await prompts(authorizations)).toEqual([{ prompt: 'none', topLevel: false }])
  expect(await tokenRequestsSince(before)).toEqual([['authorization_code', 200, false]])
  expect(framesAttached, 'one hidden iframe').toHaveLength(1)
  await expect.poll(() => page.frames().length, { message: 'the iframe is removed' }).toBe(1)

  const me = await page.evaluate(async (url) => {
    const response = await window.latchkey.authFetch(url)
    return { status: response.status, body: (await response.json()) as { sub?: string } }
  }, `${API}/api/me`)
  expect(me).toMatchObject({ status: 200, body: { sub: user } })
  expect(await readStoredSession(page), 'still nothing persisted').toBeUndefined()
  const atRestAfter = await everythingAtRest(page)
  for (const secret of secrets) expect(atRestAfter).not.toContain(secret)
})

test('a new visitor makes no silent request', async ({ page, context }) => {
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  await recordStatuses(page)

  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  // A silent attempt would have started by now; give a late one the chance to show.
  await page.waitForTimeout(1000)

  expect(authorizations).toEqual([])
  expect(framesAttached).toEqual([])
  expect(await statusHistory(page)).toEqual(['loading', 'unauthenticated'])
  await expect(page.getByTestId('error')).toBeHidden()
})

/** Reloads a signed-out page: it stays signed out with no iframe, no request and no error. */
async function expectQuietReload(page: Page, context: BrowserContext): Promise<void> {
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  const before = (await tokenRequests()).length
  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  // A silent attempt would have started by now; give a late one the chance to show.
  await page.waitForTimeout(1000)

  expect(authorizations, 'signed out means no automatic silent sign-in').toEqual([])
  expect(framesAttached).toEqual([])
  expect(await tokenRequestsSince(before)).toEqual([])
  await expect(page.getByTestId('error')).toBeHidden()
}

test('after signing out, a reload stays signed out with no iframe and no request', async ({
  page,
  context,
}) => {
  await signInWithBearer(page, `signout-${Date.now()}`)
  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')

  await expectQuietReload(page, context)
})

test('after a local sign-out, a reload makes no silent request either', async ({
  page,
  context,
}) => {
  await signInWithBearer(page, `local-${Date.now()}`)
  await page.evaluate(() => window.latchkey.logout({ localOnly: true }))
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')

  await expectQuietReload(page, context)
})

test('loginSilently() signs in again out of sight while the server has a session', async ({
  page,
  context,
}) => {
  const user = `again-${Date.now()}`
  await signInWithBearer(page, user)
  const navigations = recordMainFrameNavigations(page)
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  const before = (await tokenRequests()).length

  expect(await loginSilently(page)).toBe('resolved')

  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expect(page.getByTestId('user-sub')).toHaveText(user)
  await expect(page.getByTestId('restored-silently')).toBeVisible()
  expect(await page.evaluate(() => window.latchkey.getState().silent)).toBe(true)
  expect(await prompts(authorizations)).toEqual([{ prompt: 'none', topLevel: false }])
  expect(await tokenRequestsSince(before)).toEqual([['authorization_code', 200, false]])
  expect(framesAttached).toHaveLength(1)
  await expect.poll(() => page.frames().length, { message: 'the iframe is removed' }).toBe(1)
  expect(navigations).toEqual([])
  expect(page.url()).toBe(`${SPA}/`)
})

test('prompt=none refused by the server settles quietly to signed out', async ({
  page,
  context,
}) => {
  await signInWithBearer(page, `refused-${Date.now()}`)
  // The server's session ends (its cookies are gone), as when it expires there.
  await context.clearCookies()

  await recordStatuses(page)
  const navigations = recordMainFrameNavigations(page)
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  const before = (await tokenRequests()).length
  await page.reload()

  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  await expect(page.getByTestId('error')).toBeHidden()
  await expect(page.getByTestId('login')).toBeVisible()
  await expect(page.getByTestId('restored-silently')).toBeHidden()
  expect(await statusHistory(page)).toEqual(['loading', 'unauthenticated'])
  expect(await page.evaluate(() => window.latchkey.getState().error)).toBeNull()
  // It did try, once, out of sight.
  expect(await prompts(authorizations)).toEqual([{ prompt: 'none', topLevel: false }])
  expect(framesAttached).toHaveLength(1)
  expect(navigations).toEqual([`${SPA}/`])
  await expect.poll(() => page.frames().length, { message: 'the iframe is removed' }).toBe(1)
  expect(await tokenRequestsSince(before)).toEqual([])

  // Asked explicitly, the same answer is an error the app can act on.
  expect(await loginSilently(page)).toBe('login_required')
  expect(authorizations).toHaveLength(2)
  await expect.poll(() => page.frames().length, { message: 'the iframe is removed' }).toBe(1)
  expect(await tokenRequestsSince(before)).toEqual([])
  expect(page.url()).toBe(`${SPA}/`)
})

test('a server that never answers in the iframe fails loginSilently() with timeout', async ({
  page,
}) => {
  await page.goto('/')
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  // As a server that refuses to be framed (or a browser that withholds its cookies) would.
  await page.route(
    (url) => url.origin === ISSUER && url.pathname === '/auth',
    (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        headers: { 'x-frame-options': 'DENY' },
        body: '<!doctype html><title>Sign in</title><form>log in here</form>',
      }),
  )
  const before = (await tokenRequests()).length
  const started = Date.now()

  expect(await loginSilently(page, 1500)).toBe('timeout')

  expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
  await expect.poll(() => page.frames().length, { message: 'the iframe is removed' }).toBe(1)
  await expect(page.getByTestId('status')).not.toHaveText('authenticated')
  expect(await tokenRequestsSince(before)).toEqual([])
  expect(page.url()).toBe(`${SPA}/`)
})

test('the callback page shows loading until the sign-in completes, never signed out in between', async ({
  page,
}) => {
  await startLogin(page)
  await recordStatuses(page) // from the callback page on
  await finishLogin(page, `callback-${Date.now()}`)

  // An app that answers "not loading and signed out" with login() would have left mid-exchange.
  expect(await statusHistory(page)).toEqual(['loading', 'authenticated'])
})

test('when the silent sign-in code cannot be loaded, a reload settles with network_error instead of loading for ever', async ({
  page,
  context,
}) => {
  await signInWithBearer(page, `offline-${Date.now()}`)
  // As offline, or after a deploy removed the old chunks.
  await page.route(/\/silentLogin[^/]*\.(ts|js)(\?|$)/, (route) =>
    route.abort('internetdisconnected'),
  )
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  const { authorizations, framesAttached } = watchSilentSignIn(context, page)
  const before = (await tokenRequests()).length

  await page.reload()

  await expect(page.getByTestId('status')).toHaveText('error')
  await expect(page.getByTestId('error-code')).toHaveText('network_error')
  // Every method rejects with an AuthError, not the browser's bare TypeError.
  const outcomes = await page.evaluate(() =>
    Promise.all(
      [
        () => window.latchkey.getAccessToken(),
        () => window.latchkey.authFetch('/'),
        () => window.latchkey.loginSilently(),
      ].map((call) =>
        call().then(
          () => 'resolved',
          (error: { name?: string; code?: string }) => `${error.name}: ${error.code}`,
        ),
      ),
    ),
  )
  expect(outcomes).toEqual([
    'AuthError: login_required',
    'AuthError: login_required',
    'AuthError: network_error',
  ])
  expect(authorizations).toEqual([])
  expect(framesAttached).toEqual([])
  expect(await tokenRequestsSince(before)).toEqual([])
  expect(pageErrors, 'no unhandled rejection').toEqual([])
})

test("the iframe's callback page starts no login of its own, even when the app asks for one there", async ({
  page,
  context,
}) => {
  await signInWithBearer(page, `frame-${Date.now()}`)
  // What <RequireAuth> or a router guard does on a protected redirect URI: signed out, login().
  await page.addInitScript(() => {
    if (window.top === window) return
    const timer = setInterval(() => {
      const auth = window.latchkey as typeof window.latchkey | undefined
      if (auth?.getState().status !== 'unauthenticated') return
      clearInterval(timer)
      auth.login().catch(() => undefined)
    }, 5)
  })
  // The page's own exchange takes a while, so the iframe is still there when its page settles.
  await page.route(`${ISSUER}/token`, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await route.continue()
  })
  const { authorizations } = watchSilentSignIn(context, page)

  expect(await loginSilently(page)).toBe('resolved')
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await page.waitForTimeout(500)

  expect(await prompts(authorizations), 'only the prompt=none request, in the iframe').toEqual([
    { prompt: 'none', topLevel: false },
  ])
})
