import { expect, type Page, test } from '@playwright/test'
import { ISSUER, SPA, startLogin, tokenRequests } from './playground.js'

// Two page loads of one callback URL at the same moment (a duplicated tab, an in-app browser
// handing the URL over): the login transaction is taken in one IndexedDB transaction, so exactly
// one page exchanges the code and the other is refused with transaction_missing.
test('a callback loaded in two pages at once exchanges its code once', async ({
  context,
  page,
}) => {
  const user = `race-${Date.now()}`
  const isCallback = (url: URL) => url.origin === SPA && url.pathname === '/callback'

  // Sign in at the server, but keep the callback away from the SPA: on the callback page its
  // script is replaced by an empty one. (Routes do not see redirects, so the callback document
  // itself cannot be held.)
  await startLogin(page)
  await page.route(`${SPA}/src/main.ts*`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: '' }),
  )
  await page.locator('input[name=login]').fill(user)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor(), page.waitForURL(isCallback)])
  if (page.url().startsWith(ISSUER)) await consent.click()
  await page.waitForURL(isCallback)
  const callback = page.url()
  expect(new URL(callback).searchParams.get('code')).toBeTruthy()
  await page.close()
  const before = (await tokenRequests()).length

  // A busy database lines the two pages up as closely as can be: another tab holds a readwrite
  // transaction on the SDK's object store while they load, so their requests queue behind it and
  // run together when it ends. Held twice, since each page first restores its session and only
  // then takes the transaction: the second hold is queued behind the session reads.
  const busy = await context.newPage()
  await busy.route(`${SPA}/busy`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<title>busy</title>' }),
  )
  await busy.goto(`${SPA}/busy`)
  await busy.evaluate(holdKvStore)
  const pages: [Page, Page] = [await context.newPage(), await context.newPage()]
  await Promise.all(pages.map((tab) => tab.goto(callback)))
  await busy.waitForTimeout(1000) // both pages wait to read their session
  await busy.evaluate(() => window.releaseKvStore(true))
  await busy.waitForTimeout(500) // both pages wait to take the transaction
  await busy.evaluate(() => window.releaseKvStore())

  // What a user sees: the error shown, or else the status.
  const outcome = async (tab: Page) =>
    (await tab.getByTestId('error').isVisible())
      ? tab.getByTestId('error-code').textContent()
      : tab.getByTestId('status').textContent()
  await expect
    .poll(async () => (await Promise.all(pages.map(outcome))).sort())
    .toEqual(['authenticated', 'transaction_missing'])
  const [first, second] = pages
  const winner = (await outcome(first)) === 'authenticated' ? first : second
  await expect(winner.getByTestId('user-sub')).toHaveText(user)
  const exchanges = (await tokenRequests()).slice(before)
  expect(exchanges.map((request) => [request.grant_type, request.status])).toEqual([
    ['authorization_code', 200],
  ])
})

declare global {
  interface Window {
    /** Ends the transaction {@link holdKvStore} keeps open; with `again`, opens the next one. */
    releaseKvStore(again?: boolean): Promise<void>
  }
}

/** In the page: keeps a readwrite transaction on the SDK's object store open until released. */
async function holdKvStore(): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open('latchkey')
    open.onsuccess = () => resolve(open.result)
    open.onerror = () => reject(open.error)
  })
  const hold = () => {
    const transaction = db.transaction('kv', 'readwrite')
    const store = transaction.objectStore('kv')
    let holding = true
    // A transaction commits once it has no request left: keep one in flight.
    const spin = () => {
      if (holding) store.get('busy').onsuccess = spin
    }
    spin()
    return () =>
      new Promise<void>((resolve, reject) => {
        holding = false
        transaction.oncomplete = () => resolve()
        transaction.onerror = () => reject(transaction.error)
      })
  }
  let current = hold()
  window.releaseKvStore = (again = false) => {
    const release = current
    // Opened before the current one ends, so it runs right after what is already waiting.
    if (again) current = hold()
    return release()
  }
}
