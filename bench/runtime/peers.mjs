// The peer SDKs in `npm run bench`: oidc-client-ts and auth0-spa-js, each in a minimal page of its
// own (bench/runtime/pages), served by a static server on a loopback port of its own and signed in
// against the playground's oidc-provider with the playground's public client. The bench starts the
// playground with these origins in LATCHKEY_EXTRA_ORIGINS, so the authorization server accepts
// their `/callback` redirect URIs and the servers answer their CORS requests.
//
// (Answering the pages inside the browser with Playwright routes on the demos' origins does not
// work: Chromium's Local Network Access checks treat a routed page as public and refuse its
// requests to loopback, and a route does not see the navigation a redirect starts.)
import { createServer } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { gzipSync } from 'node:zlib'
import { bundlePage, splitPage } from './build.mjs'

export const PEERS = [
  { sdk: 'oidc-client-ts', origin: 'http://localhost:5176' },
  { sdk: 'auth0-spa-js', origin: 'http://localhost:5177' },
]

/** Latchkey in the same kind of page, for the reload, cold-load and journey figures. */
export const LATCHKEY_PAGE = { sdk: 'latchkey', origin: 'http://localhost:5178' }

/**
 * The pages' files per SDK: `/` (also every other path that is not a file, e.g. /callback) and
 * `/app.js`. The peers' pages are one classic script each; Latchkey's is built as an app is,
 * code-split (bench/runtime/build.mjs), so it has chunks besides `/app.js`: the page is an ES
 * module, with a `modulepreload` link per chunk it imports statically (Vite writes the same into
 * an app's index.html), and the chunks the SDK imports on demand are fetched when it asks for them.
 * @param {{ issuer: string, clientId: string, scope: string, api: string, leeway: number, latchkeyLeeway?: number }} config
 */
export async function peerSites(config) {
  const sites = {}
  for (const { sdk, origin } of [...PEERS, LATCHKEY_PAGE]) {
    const { files, preload } =
      sdk === LATCHKEY_PAGE.sdk
        ? await splitPage(sdk)
        : { files: { '/app.js': await bundlePage(sdk) }, preload: undefined }
    const script = preload
      ? `${preload.map((path) => `<link rel="modulepreload" href="${path}">`).join('')}<script type="module" src="/app.js"></script>`
      : '<script src="/app.js"></script>'
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${sdk} bench page</title>
<script>window.benchConfig = ${JSON.stringify(config)}</script>
${script}</head><body><p>${sdk}</p></body></html>`
    sites[sdk] = { origin, html, files }
  }
  return sites
}

function answer(site, path) {
  return Object.hasOwn(site.files, path)
    ? { contentType: 'text/javascript', body: site.files[path] }
    : { contentType: 'text/html', body: site.html }
}

/**
 * Serves a site from a real HTTP server on its port; returns the server. Gzip-compressed when the
 * browser accepts it, as an app is deployed: the throttled cold load's figure is mostly bytes.
 */
export async function serveSite(site) {
  const gzipped = new Map()
  const server = createServer((req, res) => {
    const { contentType, body } = answer(site, new URL(req.url ?? '/', site.origin).pathname)
    const headers = {
      'content-type': contentType,
      'cache-control': 'no-cache',
      vary: 'Accept-Encoding',
    }
    if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
      res.writeHead(200, headers)
      res.end(body)
      return
    }
    if (!gzipped.has(body)) gzipped.set(body, gzipSync(body))
    res.writeHead(200, { ...headers, 'content-encoding': 'gzip' })
    res.end(gzipped.get(body))
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(new URL(site.origin).port, '127.0.0.1', resolve)
  })
  return server
}

/** Signs in through the page's SDK and the playground's login form. */
export async function peerSignIn(page, site, issuer, login) {
  await page.goto(`${site.origin}/`)
  await page.waitForFunction(() => window.bench?.status() === 'anonymous')
  // Not awaited in the page: the navigation it starts would destroy the evaluation.
  await Promise.all([
    page.waitForURL(`${issuer}/**`),
    page.evaluate(() => {
      window.bench.login()
    }),
  ])
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor(), page.waitForURL(`${site.origin}/**`)])
  if (page.url().startsWith(issuer)) await consent.click()
  await page.waitForURL(`${site.origin}/`)
  await page.waitForFunction(() => window.bench?.status() !== 'loading')
  const status = await page.evaluate(() => window.bench.status())
  if (status !== 'authenticated') throw new Error(`${site.origin}: sign-in ended ${status}`)
}

/**
 * N tabs of one peer SDK on one session, M concurrent API reads in every tab half a second after
 * the access token enters the SDK's refresh window; counts the refresh-token requests the
 * authorization server got for it, letting the SDKs' own timers (oidc-client-ts's automatic
 * silent renew) run as they would.
 *
 * @param {object} options
 * @param {import('@playwright/test').Browser} options.browser
 * @param {{ origin: string, html: string, files: Record<string, string> }} options.site
 * @param {string} options.sdk
 * @param {number} options.tabs
 * @param {number} options.reads
 * @param {number} options.ttl access-token lifetime in seconds for this run
 * @param {(seconds: number) => Promise<void>} options.setTtl
 * @param {() => Promise<Array<{ error?: string }>>} options.refreshRequests the refresh-token
 *   requests so far, as the authorization server's stats list them
 * @param {string} options.issuer
 * @param {string} options.readUrl
 */
export async function peerContention({
  browser,
  site,
  sdk,
  tabs,
  reads,
  ttl,
  setTtl,
  refreshRequests,
  issuer,
  readUrl,
}) {
  const context = await browser.newContext()
  try {
    const first = await context.newPage()
    await setTtl(ttl)
    await peerSignIn(first, site, issuer, `bench-${sdk}-${Date.now()}`)
    // A fresh token for everyone, as for Latchkey: refreshed in the first tab, then the other
    // tabs load the stored session.
    await first.evaluate(() => window.bench.refresh())
    const others = await Promise.all(
      Array.from({ length: tabs - 1 }, async () => {
        const page = await context.newPage()
        await page.goto(`${site.origin}/`)
        await page.waitForFunction(() => window.bench?.status() === 'authenticated')
        return page
      }),
    )
    const pages = [first, ...others]
    const expiries = await Promise.all(
      pages.map((page) => page.evaluate(() => window.bench.expiresAt())),
    )
    if (new Set(expiries).size !== 1) {
      throw new Error(`${sdk}: tabs disagree about the token before the burst: ${expiries}`)
    }
    const windowMs = await first.evaluate(() => window.bench.refreshWindow())
    const before = (await refreshRequests()).length
    // Both peers keep expiry in whole seconds and compare it with the clock's whole seconds: 1.5 s
    // into the window is inside it for them (Latchkey's run uses 0.5 s).
    const target = expiries[0] - windowMs + 1500
    const wait = target - Date.now()
    if (wait > 0) await sleep(wait)
    else
      console.warn(
        `${sdk}: ${tabs} tabs took longer to open than the token's time before its refresh window`,
      )
    const statuses = await Promise.all(
      pages.map((page) =>
        page.evaluate(
          ([url, count]) =>
            Promise.all(
              Array.from({ length: count }, () =>
                window.bench.read(url).catch((error) => String(error?.error ?? error)),
              ),
            ),
          [readUrl, reads],
        ),
      ),
    )
    // Refreshes the SDK starts on its own get six seconds to land: oidc-client-ts checks its
    // expiring timer every 5 s, so a tab's renew can start up to 5 s into the window. The renewed
    // tokens' windows (10 s and 60 s away) start later than that.
    await sleep(6000)
    const burst = (await refreshRequests()).slice(before)
    const refreshes = burst.length
    const errors = burst.filter((request) => request.error).map((request) => request.error)
    const signedIn = await Promise.all(
      pages.map((page) => page.evaluate(() => window.bench.signedIn())),
    )
    return {
      sdk,
      tabs,
      reads,
      refreshes,
      errors,
      ok: statuses.flat().filter((status) => status === 200).length,
      signedIn: signedIn.filter(Boolean).length,
      failures: [...new Set(statuses.flat().filter((status) => status !== 200))],
    }
  } finally {
    await context.close()
  }
}

/** Signs a peer page in (with the token lifetime the server has now). */
export async function peerSession({ browser, site, sdk, issuer }) {
  const context = await browser.newContext()
  const page = await context.newPage()
  await peerSignIn(page, site, issuer, `bench-${sdk}-reload-${Date.now()}`)
  return page
}

/**
 * Reloads a signed-in peer page `count` times (plus one unmeasured)
 * and reads navigation start -> `bench:authenticated` and `bench:start` -> `bench:authenticated`.
 * With `probe` (Latchkey's page after `window.bench.setUpProbe()`), every round has a second load
 * in which the page times a bare IndexedDB read before it creates the SDK (`bench:probe`), before or
 * after the measured one in turn; that load's other figures are not counted.
 */
export async function peerReloads(page, count, issuer, { probe = false } = {}) {
  let issuerRequests = 0
  page.on('request', (request) => {
    if (request.url().startsWith(issuer)) issuerRequests++
  })
  const samples = []
  const restores = []
  const probes = []
  const load = async () => {
    await page.reload()
    const handle = await page.waitForFunction(() => {
      const status = window.bench?.status()
      if (status === undefined || status === 'loading') return false
      const mark = performance.getEntriesByName('bench:authenticated')[0]
      const start = performance.getEntriesByName('bench:start')[0]
      const read = performance.getEntriesByName('bench:probe')[0]
      return {
        status,
        mark: mark?.startTime,
        start: start?.startTime,
        read: read && { duration: read.duration, detail: read.detail },
      }
    })
    const figures = await handle.jsonValue()
    if (figures.status !== 'authenticated') throw new Error(`reload ended ${figures.status}`)
    return figures
  }
  const bareRead = async () => {
    await page.evaluate(() => window.bench.probeNextLoad())
    const { read } = await load()
    if (read?.detail !== 'read') throw new Error('the bare IndexedDB read found nothing')
    return read.duration
  }
  for (let i = 0; i <= count; i++) {
    // The order within the round turns, so neither load always follows the other.
    const probeFirst = probe && i % 2 === 0
    let bare
    if (probeFirst) bare = await bareRead()
    const { mark, start, read } = await load()
    if (read) throw new Error('a measured reload did the bare IndexedDB read')
    if (probe && !probeFirst) bare = await bareRead()
    if (i > 0) {
      samples.push(mark)
      restores.push(mark - start)
      if (probe) probes.push(bare)
    }
  }
  return { samples, restores, probes, issuerRequests }
}
