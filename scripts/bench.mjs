// `npm run bench`: figures for issues 3 and 4, measured in headless Chromium against the real
// playground. A benchmark, not a test: it prints numbers and fails only when it cannot measure.
//
//   node scripts/bench.mjs [NxM ...] [--reloads=R] [--calls=C] [--only=sessions|dpop]
//
// For each NxM (default 5x10 and 10x20) it opens N tabs on one persisted session, lets the access
// token reach the refresh leeway, fires M concurrent authFetch calls in every tab at once and
// counts the refresh-token requests the authorization server received (goal: 1). Then it reloads
// one tab R times (default 20) with a valid persisted session and reads the SPA's
// `latchkey:authenticated` performance mark: milliseconds from navigation start to signed in —
// once for a production build of the SPA (served on the same origin from a temporary directory)
// and once for the Vite dev server, whose unbundled modules dominate its figure.
//
// The DPoP figure (issue 4): the median time of C (default 300) sequential calls, after a warm-up,
// of plain `fetch` to the API's unauthenticated /api/ping, and of `authFetch` to /api/me from a
// Bearer session (an SPA loaded while the server hid DPoP from discovery) and from a DPoP session.
// The modes take turns in batches, so a slow moment of the machine does not land on one of them.
// The same authFetch calls to /api/ping (which ignores the token) give the browser's share alone.
// `--only=dpop` measures only this; `--only=sessions` only the issue-3 figures.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { chromium } from '@playwright/test'
import { findChromium } from './browser.mjs'

const SPA = 'http://localhost:5173'
const ISSUER = 'http://localhost:4000'
const API = 'http://localhost:4001'
const LEEWAY_S = 2
const SHORT_TTL_S = 4
const DEFAULT_TTL_S = 300

const args = process.argv.slice(2)
const shapes = args
  .filter((arg) => /^\d+x\d+$/.test(arg))
  .map((arg) => arg.split('x').map(Number))
  .filter(([tabs, calls]) => tabs > 0 && calls > 0)
const reloadsArg = args.find((arg) => arg.startsWith('--reloads='))
const reloads = reloadsArg ? Number(reloadsArg.slice('--reloads='.length)) : 20
const callsArg = args.find((arg) => arg.startsWith('--calls='))
const perCallSamples = callsArg ? Number(callsArg.slice('--calls='.length)) : 300
const onlyArg = args.find((arg) => arg.startsWith('--only='))
const only = onlyArg?.slice('--only='.length)
const unknown = args.filter(
  (arg) => !/^\d+x\d+$/.test(arg) && ![reloadsArg, callsArg, onlyArg].includes(arg),
)
if (
  unknown.length > 0 ||
  !(reloads > 0) ||
  !(Number.isInteger(perCallSamples) && perCallSamples > 0) ||
  (only !== undefined && !['sessions', 'dpop'].includes(only))
) {
  console.error(
    'usage: node scripts/bench.mjs [NxM ...] [--reloads=R] [--calls=C] [--only=sessions|dpop]\n' +
      '   e.g. 5x10 10x20 --reloads=20 --calls=300',
  )
  process.exit(2)
}
const measureSessions = only !== 'dpop'
const measureDpop = only !== 'sessions'
if (shapes.length === 0) shapes.push([5, 10], [10, 20])

let playground
let browser
let buildDir
let staticServer

async function main() {
  if (await reachable(SPA)) {
    throw new Error(`${SPA} is already in use; stop that server (the benchmark starts its own).`)
  }
  playground = spawn(process.execPath, ['--import', 'tsx', 'playground/dev.ts'], {
    env: {
      ...process.env,
      LATCHKEY_REFRESH_LEEWAY: String(LEEWAY_S),
      LATCHKEY_PLAYGROUND_QUIET: '1',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    // Its own process group, so the cleanup reaches Vite and the servers it started.
    detached: true,
  })
  await waitFor(SPA, 60_000)

  browser = await chromium.launch({ headless: true, ...(findChromium() ?? {}) })
  // Before anything else: the sessions figures end with the playground stopped.
  const perCall = measureDpop ? await perCallCost() : undefined
  if (!measureSessions) {
    console.log('')
    printPerCall(perCall)
    console.table(perCallRows(perCall))
    return
  }

  const context = await browser.newContext({ baseURL: SPA })
  // Background tabs: the SDK's proactive refresh timer pauses, so the refreshes counted are the
  // ones the calls trigger, not a timer that fired first.
  await context.addInitScript(() => {
    Object.defineProperty(Document.prototype, 'visibilityState', { get: () => 'hidden' })
    Object.defineProperty(Document.prototype, 'hidden', { get: () => true })
  })
  const first = await context.newPage()
  await signIn(first, `bench-${Date.now()}`)

  const rows = []
  for (const [tabs, calls] of shapes) {
    rows.push(await concurrentRefresh(context, first, tabs, calls))
  }
  const load = await reloadTimes(first)

  // Visible tabs: every tab's proactive timer fires at the same moment, with no calls at all.
  const visible = await browser.newContext({ baseURL: SPA })
  const visibleFirst = await visible.newPage()
  await signIn(visibleFirst, `bench-timers-${Date.now()}`)
  const timerTabs = Math.max(...shapes.map(([tabs]) => tabs))
  const timers = await concurrentRefresh(visible, visibleFirst, timerTabs, 0)
  await visible.close()

  // The dev server serves dozens of unbundled modules; a production build is what users load.
  // A restore needs no server but the page's own origin, so the build takes over port 5173.
  buildDir = await buildSpa()
  await stopPlayground()
  staticServer = await serveStatic(buildDir)
  const builtLoad = await reloadTimes(first, { refreshFirst: false })

  console.log('')
  if (perCall) printPerCall(perCall)
  for (const row of rows) {
    console.log(
      `refresh-token requests for ${row.tabs} tabs x ${row.calls} calls: ${row.refreshes} (goal: 1)`,
    )
  }
  console.log(
    `refresh-token requests for ${timers.tabs} visible tabs' proactive timers: ${timers.refreshes} (goal: 1)`,
  )
  for (const [what, figures] of [
    ['production build', builtLoad],
    ['Vite dev server', load],
  ]) {
    console.log(
      `page load to authenticated on reload, ${what} (${figures.samples.length} reloads): median ${ms(figures.median)}, p95 ${ms(figures.p95)} (goal: under 50 ms); createAuth() to authenticated: median ${ms(figures.restore)}`,
    )
  }
  console.log('')
  console.table([
    ...(perCall ? perCallRows(perCall) : []),
    ...rows.map((row) => ({
      measure: `refresh-token requests, ${row.tabs} tabs x ${row.calls} concurrent calls`,
      value: row.refreshes,
      goal: 1,
      note: `${row.ok}/${row.tabs * row.calls} calls HTTP 200, ${row.signedIn}/${row.tabs} tabs signed in after`,
    })),
    {
      measure: `refresh-token requests, ${timers.tabs} visible tabs, proactive timers only`,
      value: timers.refreshes,
      goal: 1,
      note: `${timers.signedIn}/${timers.tabs} tabs signed in after`,
    },
    ...[
      ['production build', builtLoad],
      ['Vite dev server', load],
    ].flatMap(([what, figures]) => [
      {
        measure: `navigation start -> authenticated, median, ${what}`,
        value: ms(figures.median),
        goal: '< 50 ms',
        note: `min ${ms(figures.min)}, max ${ms(figures.max)}, DOMContentLoaded median ${ms(figures.domContentLoaded)}`,
      },
      {
        measure: `navigation start -> authenticated, p95, ${what}`,
        value: ms(figures.p95),
        goal: '< 50 ms',
        note: `last script loaded -> authenticated median ${ms(figures.afterScripts)}; ${figures.issuerRequests} requests to the authorization server`,
      },
      {
        measure: `createAuth() -> authenticated (the SDK's restore), median, ${what}`,
        value: ms(figures.restore),
        goal: '',
        note: 'one IndexedDB read, no network',
      },
    ]),
  ])
}

const PER_CALL_MODES = [
  ['fetch', 'plain fetch, /api/ping'],
  ['bearer', 'authFetch Bearer, /api/me'],
  ['dpop', 'authFetch DPoP, /api/me'],
  ['bearer-ping', 'authFetch Bearer, /api/ping'],
  ['dpop-ping', 'authFetch DPoP, /api/ping'],
]

/** Median per-call time of each of PER_CALL_MODES, from a DPoP and a Bearer session. */
async function perCallCost() {
  const dpopContext = await browser.newContext({ baseURL: SPA })
  const dpopPage = await dpopContext.newPage()
  await signIn(dpopPage, `bench-dpop-${Date.now()}`)
  // A page loaded while discovery lacks dpop_signing_alg_values_supported signs in with Bearer.
  await setAuthServerConfig({ advertiseDpop: false })
  const bearerContext = await browser.newContext({ baseURL: SPA })
  const bearerPage = await bearerContext.newPage()
  try {
    await signIn(bearerPage, `bench-bearer-${Date.now()}`)
  } finally {
    await setAuthServerConfig({ advertiseDpop: true })
  }
  const bound = await Promise.all(
    [dpopPage, bearerPage].map((page) => page.evaluate(() => window.latchkey.getState().dpop)),
  )
  if (bound[0] !== true || bound[1] !== false) {
    throw new Error(`expected one DPoP and one Bearer session, got dpop = ${bound.join(' and ')}`)
  }

  const pages = {
    fetch: bearerPage,
    bearer: bearerPage,
    dpop: dpopPage,
    'bearer-ping': bearerPage,
    'dpop-ping': dpopPage,
  }
  const samples = Object.fromEntries(PER_CALL_MODES.map(([mode]) => [mode, []]))
  const batch = Math.min(30, perCallSamples)
  // The first round warms up connections, preflight caches and the JIT; it is not counted.
  for (let round = 0; samples.fetch.length < perCallSamples; round++) {
    const size = Math.min(batch, perCallSamples - samples.fetch.length)
    // Rotating the order too, so no mode always runs right after another one.
    const order = PER_CALL_MODES.map(([mode]) => mode)
    for (let i = 0; i < round % order.length; i++) order.push(order.shift())
    for (const mode of order) {
      const times = await pages[mode].evaluate(timeCalls, {
        mode,
        api: API,
        count: round === 0 ? batch : size,
      })
      if (round > 0) samples[mode].push(...times)
    }
  }
  await dpopContext.close()
  await bearerContext.close()
  return Object.fromEntries(
    PER_CALL_MODES.map(([mode]) => {
      const sorted = [...samples[mode]].sort((a, b) => a - b)
      return [
        mode,
        {
          median: percentile(sorted, 50),
          p95: percentile(sorted, 95),
          mean: trimmedMean(sorted),
          n: sorted.length,
        },
      ]
    }),
  )
}

/** Runs in the page: `count` sequential calls of one mode, each timed until its body is read. */
async function timeCalls({ mode, api, count }) {
  const ping = `${api}/api/ping`
  const me = `${api}/api/me`
  const call = {
    fetch: () => fetch(ping),
    bearer: () => window.latchkey.authFetch(me),
    dpop: () => window.latchkey.authFetch(me),
    'bearer-ping': () => window.latchkey.authFetch(ping),
    'dpop-ping': () => window.latchkey.authFetch(ping),
  }[mode]
  const times = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    const response = await call()
    await response.arrayBuffer()
    times.push(performance.now() - start)
    if (response.status !== 200) throw new Error(`${mode}: HTTP ${response.status}`)
  }
  return times
}

function perCallRows(perCall) {
  return [
    ...PER_CALL_MODES.map(([mode, label]) => ({
      measure: `${label}, median per call`,
      value: ms2(perCall[mode].median),
      goal: '',
      note: `trimmed mean ${ms2(perCall[mode].mean)}, p95 ${ms2(perCall[mode].p95)}, ${perCall[mode].n} calls`,
    })),
    {
      measure: 'DPoP over Bearer, per authFetch call (/api/me)',
      value: ms2(perCall.dpop.median - perCall.bearer.median),
      goal: '< 0.5 ms',
      note: `trimmed means ${ms2(perCall.dpop.mean - perCall.bearer.mean)}; browser alone (/api/ping): ${ms2(perCall['dpop-ping'].median - perCall['bearer-ping'].median)}, trimmed means ${ms2(perCall['dpop-ping'].mean - perCall['bearer-ping'].mean)}`,
    },
  ]
}

function printPerCall(perCall) {
  const { fetch: plain, bearer, dpop } = perCall
  const n = plain.n
  console.log(
    `per-call time on loopback, median of ${n} sequential calls: ${PER_CALL_MODES.map(
      ([mode, label]) => `${label} ${ms2(perCall[mode].median)} (p95 ${ms2(perCall[mode].p95)})`,
    ).join('; ')}`,
  )
  console.log(
    `authFetch with DPoP costs ${ms2(dpop.median - plain.median)} per call over plain fetch, and Bearer ${ms2(bearer.median - plain.median)}`,
  )
  console.log(
    `DPoP adds ${ms2(dpop.median - bearer.median)} per call over Bearer (goal: under 0.5 ms; trimmed means ${ms2(dpop.mean - bearer.mean)}); in the browser alone (the same calls to /api/ping, which ignores the token): ${ms2(perCall['dpop-ping'].median - perCall['bearer-ping'].median)} (trimmed means ${ms2(perCall['dpop-ping'].mean - perCall['bearer-ping'].mean)})`,
  )
}

/** N tabs of one context, each firing M concurrent authFetch calls once the token is in the leeway. */
async function concurrentRefresh(context, first, tabs, calls) {
  for (const page of context.pages()) if (page !== first) await page.close()
  await setAccessTokenTtl(SHORT_TTL_S)
  // A fresh short-lived token for everyone: refresh in the first tab, then the others load the
  // persisted session from IndexedDB.
  await first.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  const others = await Promise.all(
    Array.from({ length: tabs - 1 }, async () => {
      const page = await context.newPage()
      await page.goto('/')
      await page.waitForFunction(() => window.latchkey?.getState().status === 'authenticated')
      return page
    }),
  )
  const pages = [first, ...others]
  const expiries = await Promise.all(
    pages.map((page) => page.evaluate(() => window.latchkey.getState().expiresAt)),
  )
  if (new Set(expiries).size !== 1) {
    throw new Error(`tabs disagree about the token before the burst: ${expiries.join(', ')}`)
  }
  const before = (await refreshTokenRequests()).length
  const expiresAt = /** @type {number} */ (expiries[0])
  // With calls: half a second into the leeway. Without (timers only): until just before expiry,
  // long after the timers fired but before the next round of them.
  const target = calls > 0 ? expiresAt - LEEWAY_S * 1000 + 500 : expiresAt - 200
  const wait = target - Date.now()
  if (wait > 0) await sleep(wait)
  else console.warn(`${tabs} tabs took longer to open than the token's time before the leeway`)

  const statuses = await Promise.all(
    pages.map((page) =>
      page.evaluate(
        ([url, count]) =>
          Promise.all(
            Array.from({ length: count }, () =>
              window.latchkey.authFetch(url).then(
                (response) => response.status,
                (error) => String(error?.code ?? error),
              ),
            ),
          ),
        [`${API}/api/me`, calls],
      ),
    ),
  )
  const refreshes = (await refreshTokenRequests()).length - before
  const states = await Promise.all(
    pages.map((page) => page.evaluate(() => window.latchkey.getState().status)),
  )
  await setAccessTokenTtl(DEFAULT_TTL_S)
  return {
    tabs,
    calls,
    refreshes,
    ok: statuses.flat().filter((status) => status === 200).length,
    signedIn: states.filter((status) => status === 'authenticated').length,
  }
}

/** Reloads one tab with a valid persisted session and reads when it became authenticated. */
async function reloadTimes(page, { refreshFirst = true } = {}) {
  for (const other of page.context().pages()) if (other !== page) await other.close()
  if (refreshFirst) {
    await setAccessTokenTtl(DEFAULT_TTL_S)
    // A long-lived token, so no reload needs a refresh.
    await page.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  }
  let issuerRequests = 0
  page.on('request', (request) => {
    if (request.url().startsWith(ISSUER)) issuerRequests++
  })
  const samples = []
  const domContentLoaded = []
  const afterScripts = []
  const restores = []
  // One unmeasured reload warms the dev server's transform cache.
  for (let i = 0; i <= reloads; i++) {
    await page.reload()
    const handle = await page.waitForFunction(() => {
      const mark = performance.getEntriesByName('latchkey:authenticated')[0]
      const nav = performance.getEntriesByType('navigation')[0]
      // When the last script arrived: what is left after it is the SPA and the SDK's restore.
      const scripts = performance
        .getEntriesByType('resource')
        .filter((entry) =>
          /\.(m?js|ts)(\?|$)/.test(new URL(entry.name).pathname + new URL(entry.name).search),
        )
        .map((entry) => entry.responseEnd)
      const start = performance.getEntriesByName('latchkey:start')[0]
      return mark && start && nav && nav.domContentLoadedEventStart > 0
        ? {
            mark: mark.startTime,
            restore: mark.startTime - start.startTime,
            dcl: nav.domContentLoadedEventStart,
            scriptsLoaded: Math.max(0, ...scripts.filter((end) => end <= mark.startTime)),
          }
        : false
    })
    const { mark, restore, dcl, scriptsLoaded } = await handle.jsonValue()
    if (i > 0) {
      samples.push(mark)
      restores.push(restore)
      domContentLoaded.push(dcl)
      afterScripts.push(mark - scriptsLoaded)
    }
  }
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    samples,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0],
    max: sorted.at(-1),
    domContentLoaded: percentile(
      [...domContentLoaded].sort((a, b) => a - b),
      50,
    ),
    afterScripts: percentile(
      [...afterScripts].sort((a, b) => a - b),
      50,
    ),
    restore: percentile(
      [...restores].sort((a, b) => a - b),
      50,
    ),
    issuerRequests,
  }
}

/** Builds the SPA with the configuration dev.ts gives it; returns the output directory. */
async function buildSpa() {
  const outDir = await mkdtemp(join(tmpdir(), 'latchkey-bench-'))
  const vite = join('playground', 'node_modules', '.bin', 'vite')
  const child = spawn(
    vite,
    ['build', 'playground/spa', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      env: {
        ...process.env,
        VITE_LATCHKEY_RESOURCE: API,
        VITE_LATCHKEY_REFRESH_LEEWAY: String(LEEWAY_S),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  )
  const code = await new Promise((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`vite build of the SPA failed (exit ${code})`)
  return outDir
}

const CONTENT_TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
}

/** Serves the build on the SPA's origin (index.html for every path without a file). */
async function serveStatic(dir) {
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', SPA).pathname
    let file = join(dir, normalize(path))
    let body = path === '/' ? undefined : await readFile(file).catch(() => undefined)
    if (body === undefined) {
      file = join(dir, 'index.html')
      body = await readFile(file)
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    })
    res.end(body)
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(new URL(SPA).port, '127.0.0.1', resolve)
  })
  return server
}

async function signIn(page, login) {
  await page.goto('/')
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await page.locator('input[name=login]').fill(login)
  await page.locator('input[name=password]').fill('any password')
  await page.locator('button[type=submit]').click()
  const consent = page.getByRole('button', { name: 'Continue' })
  await Promise.race([consent.waitFor(), page.waitForURL(`${SPA}/**`)])
  if (page.url().startsWith(ISSUER)) await consent.click()
  await page.waitForURL(`${SPA}/`)
  await page.waitForFunction(() => window.latchkey?.getState().status === 'authenticated')
}

async function setAccessTokenTtl(seconds) {
  await setAuthServerConfig({ accessTokenTtl: seconds })
}

async function setAuthServerConfig(partial) {
  const response = await fetch(`${ISSUER}/__playground/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(partial),
  })
  if (!response.ok) {
    throw new Error(`changing the server's ${Object.keys(partial)} failed: HTTP ${response.status}`)
  }
}

async function refreshTokenRequests() {
  const response = await fetch(`${ISSUER}/__playground/stats`)
  const { tokenRequests } = await response.json()
  return tokenRequests.filter((request) => request.grant_type === 'refresh_token')
}

/**
 * Mean of the middle 80% of an ascending array. Chromium coarsens `performance.now()` to 0.1 ms
 * without cross-origin isolation, so medians move in 0.1 ms steps; the mean resolves finer.
 */
function trimmedMean(sorted) {
  const cut = Math.floor(sorted.length / 10)
  const middle = sorted.slice(cut, sorted.length - cut)
  return middle.reduce((sum, value) => sum + value, 0) / middle.length
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]
}

function ms(value) {
  return `${value.toFixed(1)} ms`
}

function ms2(value) {
  return `${value.toFixed(2)} ms`
}

async function reachable(url) {
  try {
    await fetch(url)
    return true
  } catch {
    return false
  }
}

async function waitFor(url, timeout) {
  const deadline = Date.now() + timeout
  while (!(await reachable(url))) {
    if (playground.exitCode !== null) throw new Error('the playground exited while starting')
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeout / 1000} s`)
    await sleep(200)
  }
}

function sleep(milliseconds) {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

async function stopPlayground() {
  if (!playground || playground.exitCode !== null) return
  const exited = new Promise((resolve) => playground.once('exit', resolve))
  try {
    process.kill(-playground.pid, 'SIGTERM')
  } catch {}
  const timer = setTimeout(() => {
    try {
      process.kill(-playground.pid, 'SIGKILL')
    } catch {}
  }, 5000)
  await exited
  clearTimeout(timer)
}

async function cleanup() {
  await browser?.close().catch(() => {})
  staticServer?.closeAllConnections()
  await new Promise((resolve) => (staticServer ? staticServer.close(resolve) : resolve()))
  if (buildDir) await rm(buildDir, { recursive: true, force: true })
  await stopPlayground()
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup().finally(() => process.exit(130))
  })
}

main().then(cleanup, async (error) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : error}`)
  await cleanup()
  process.exitCode = 1
})
