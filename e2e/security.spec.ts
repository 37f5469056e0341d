// The adversarial suite against the real playground: open redirects, secrets at rest, refresh-token
// reuse, and what logout leaves behind. The hostile-server half is e2e/hostile.spec.ts.
import { expect, test } from '@playwright/test'
import {
  authorizationParams,
  ISSUER,
  readStoredSession,
  refreshTokenRequests,
  SPA,
  signIn,
  startLogin,
  writeStoredSession,
} from './playground.js'
import { storedKeys } from './storage.js'

test('7. a hostile error_description is shown as text by the playground, never as HTML', async ({
  page,
}) => {
  const authorize = page.waitForRequest((request) => request.url().startsWith(`${ISSUER}/auth?`))
  await startLogin(page)
  // In the URL, or pushed (RFC 9126, which the playground offers).
  const state = (await authorizationParams((await authorize).url())).get('state') as string
  const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
  const callback = new URL(`${SPA}/callback`)
  callback.search = new URLSearchParams({
    error: 'access_denied',
    error_description: hostile,
    state,
    iss: ISSUER,
  }).toString()
  await page.goto(callback.href)
  await expect(page.getByTestId('error-code')).toHaveText('authorization_denied')
  await expect(page.getByTestId('error')).toContainText(hostile)
  expect(await page.locator('[data-testid=error] img, [data-testid=error] script').count()).toBe(0)
  expect(await page.evaluate(() => (window as { pwned?: unknown }).pwned)).toBeUndefined()
  expect(page.url()).toBe(`${SPA}/`)
})

test('11. returnTo refuses off-site targets, and a tampered one still lands on the app', async ({
  page,
}) => {
  await page.goto('/')
  for (const returnTo of [
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '/%09/evil.example',
    'javascript:alert(1)',
  ]) {
    const code = await page.evaluate(
      (target) =>
        window.latchkey.login({ returnTo: target }).then(
          () => 'navigated',
          (error: { code: string }) => error.code,
        ),
      returnTo,
    )
    expect(code, returnTo).toBe('invalid_argument')
  }
  expect(page.url()).toBe(`${SPA}/`)
  expect(await storedKeys(page)).toEqual([])

  // A transaction whose returnTo was rewritten in storage after login() stored it.
  await startLogin(page)
  const spa = await page.context().newPage()
  await spa.goto(`${SPA}/`)
  await spa.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('latchkey')
        open.onsuccess = () => {
          const store = open.result.transaction('kv', 'readwrite').objectStore('kv')
          const keys = store.getAllKeys()
          keys.onsuccess = () => {
            const key = keys.result.map(String).find((k) => k.includes(':tx:'))
            if (key === undefined) return reject(new Error('no transaction stored'))
            const get = store.get(key)
            get.onsuccess = () => {
              store.put({ ...get.result, returnTo: 'https://evil.example/' }, key)
              store.transaction.oncomplete = () => resolve()
            }
          }
        }
      }),
  )
  await spa.close()
  await page.locator('input[name=login]').fill(`tamper-${Date.now()}`)
  await page.locator('input[name=password]').fill('x')
  await page.locator('button[type=submit]').click()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  expect(new URL(page.url()).origin).toBe(SPA)
})

test('14. after sign-in no token, verifier or JWT sits in web storage or cookies', async ({
  page,
}) => {
  await signIn(page, `secrets-${Date.now()}`)
  const stored = await readStoredSession(page)
  expect(stored?.accessToken).toEqual(expect.any(String))
  const secrets = [stored?.accessToken, stored?.refreshToken, stored?.idToken].filter(
    (value): value is string => typeof value === 'string',
  )
  expect(secrets.length).toBeGreaterThanOrEqual(2)

  const exposed = await page.evaluate(() => {
    const dump = (storage: Storage) =>
      Array.from({ length: storage.length }, (_, i) => {
        const key = storage.key(i) ?? ''
        return `${key}=${storage.getItem(key)}`
      }).join('\n')
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie }
  })
  for (const [where, text] of Object.entries(exposed)) {
    for (const secret of secrets) expect(text, where).not.toContain(secret)
    expect(text, `${where} holds a JWT`).not.toMatch(/eyJ[\w-]+\.[\w-]+\./)
    expect(text, `${where} holds a transaction`).not.toMatch(/codeVerifier|code_verifier/)
  }
})

test('15. refresh-token reuse detected by the server ends the session in every tab, once', async ({
  page,
  context,
}) => {
  await signIn(page, `reuse-${Date.now()}`)
  const other = await context.newPage()
  await other.goto('/')
  await expect(other.getByTestId('status')).toHaveText('authenticated')
  const stale = await readStoredSession(page)
  expect(stale?.refreshToken).toEqual(expect.any(String))

  // A legitimate refresh rotates the refresh token...
  await page.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  expect((await readStoredSession(page))?.refreshToken).not.toBe(stale?.refreshToken)
  // ...then a stale copy of the session (say, restored from a backup), its access token expired,
  // spends the old refresh token again.
  await writeStoredSession(page, { ...stale, expiresAt: Date.now() - 1000 })
  const before = (await refreshTokenRequests()).length
  const code = await page.evaluate(() =>
    window.latchkey.getAccessToken({ forceRefresh: true }).then(
      () => 'refreshed',
      (error: { code: string }) => error.code,
    ),
  )
  expect(code).toBe('session_expired')
  for (const tab of [page, other]) {
    await expect(tab.getByTestId('status')).toHaveText('unauthenticated')
    await expect(tab.getByTestId('error-code')).toHaveText('session_expired')
  }
  // Both tabs calling again makes no further token request: no retry loop.
  for (const tab of [page, other]) {
    const again = await tab.evaluate(() =>
      window.latchkey.authFetch('http://localhost:4001/api/me').then(
        (response) => String(response.status),
        (error: { code: string }) => error.code,
      ),
    )
    expect(again).toBe('login_required')
  }
  const after = (await refreshTokenRequests()).slice(before)
  expect(after.map((r) => r.status)).toEqual([400])
})

test('16. logout leaves nothing of this client in IndexedDB', async ({ page }) => {
  await signIn(page, `leftovers-${Date.now()}`)
  const prefix = `latchkey:${new URL(ISSUER).href}:latchkey-spa:`
  const before = await storedKeys(page)
  expect(before).toContain(`${prefix}session`)
  expect(before).toContain(`${prefix}dpop-key`)

  await page.getByTestId('logout').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.getByRole('button', { name: /yes, sign me out/i }).click()
  await page.waitForURL(`${SPA}/`)
  await expect(page.getByTestId('status')).toHaveText('unauthenticated')
  expect((await storedKeys(page)).filter((key) => key.startsWith(prefix))).toEqual([])
})
