// `npm run bench`: Latchkey's runtime figures next to the SDKs users would pick instead, and the
// bundle sizes of the same small app with each SDK, printed as ONE table. Measured in headless
// Chromium against the real playground. A benchmark, not a test: it prints numbers and fails only
// when it cannot measure.
//
//   node scripts/bench.mjs [NxM ...] [--reloads=R] [--rounds=R] [--calls=C] [--cold-rounds=R]
//                          [--only=fetch|coldload|journeys|sessions|sizes]
//
// fetch     authFetch overhead (bench/runtime/overhead.mjs): plain fetch with the token added by
//           hand, Latchkey Bearer and DPoP, auth0-spa-js's fetcher Bearer and DPoP, R (default 50)
//           interleaved paired rounds of C (default 20) calls against loopback and 10 x C calls
//           answered inside the page; figures are medians of per-round differences to plain fetch.
// sessions  for each NxM (default 5x10 and 10x20): N tabs on one persisted session, M concurrent
//           reads in every tab once the access token is in its refresh window; the figure is the
//           number of refresh-token requests the authorization server got (goal: 1; a
//           `use_dpop_nonce` answer, after which the same refresh goes again with the server's
//           nonce, is shown apart). Latchkey's tabs (its minimal page) are hidden (its proactive timer pauses, so the calls trigger the refresh); a second
//           run has visible tabs and no calls (timers only). oidc-client-ts and auth0-spa-js run the
//           same in pages of their own (bench/runtime/peers.mjs), with their own refresh triggers.
//           Then reloads (R, default 20) to `authenticated` with a persisted session and no
//           network: the same minimal page per SDK (bench/runtime/pages: the peers' one esbuild
//           bundle each, Latchkey's code-split as an app's build, see coldload) and the playground
//           SPA's production build (served on its origin with the playground stopped); the SPA on
//           the Vite dev server; and Latchkey's silent sign-in (a Bearer session, kept in memory,
//           comes back through the authorization server). Latchkey's minimal page reloads in
//           paired rounds: each has, besides the measured load, one in which the page times a bare
//           IndexedDB open + one get (a database of its own, one value made of everything Latchkey
//           stored) where the SDK would start, before creating it, the two loads' order turning
//           from round to round; a row prints SDK created -> authenticated, that bare read, and
//           Latchkey's own work: the median of the per-round differences (goal: under 1 ms).
//           The minimal pages run on origins of their own (5176-5178), which the playground is
//           started to accept through LATCHKEY_EXTRA_ORIGINS.
// coldload  R (default 5) paired rounds, after one unmeasured: in each, Latchkey's, oidc-client-ts's
//           and auth0-spa-js's minimal page in turn, each opened in a new tab of a browser with
//           a persisted session, over a throttled network (40 ms round trip, 1.6 Mbit/s down,
//           0.75 up, HTTP cache off: CDP Network.emulateNetworkConditions and setCacheDisabled),
//           the pages served gzip-compressed; navigation start -> authenticated and -> the answer
//           of the page's first API read (GET /api/me through the SDK). Figures: medians of the
//           rounds (bench/runtime/coldload.mjs), with the median of per-round differences.
//           Latchkey's page is built as an app is, code-split (esbuild `splitting`, ES modules,
//           `modulepreload` for the chunks its entry imports statically), and serves every chunk,
//           so what the SDK loads on demand comes over the throttled network; the peers' pages
//           are one script each.
// journeys  the JS (gzip bytes as they came over the network, every script response, on-demand
//           chunks included) of three journeys in each SDK's minimal page, unthrottled, the HTTP
//           cache emptied before each (bench/runtime/journeys.mjs): first visit signed out, then
//           sign-in through the playground's login page and consent until authenticated; a
//           returning user loading the page and making one API read; sign-out of a loaded page
//           until it has left for the end-session endpoint. Each waits for the network to be quiet
//           once it has reached its end (the sign-out: before logout()), so prefetches count, and
//           counts each URL once. A journey a peer's page cannot make is "n/a" with the reason.
// sizes     rows of bench/sizes/measure.mjs (gzip and minified bytes of the same small app per
//           SDK), and what moving Latchkey's long `config_invalid` messages behind a development
//           check would save: bench/sizes/messages.mjs builds Latchkey's sizes app twice with
//           esbuild, once with those messages shortened as it loads the SDK's source (the SDK is
//           not changed); the row is the difference of the gzip first loads.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { extname, join, normalize } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { chromium } from '@playwright/test'
import { peerVersions } from '../bench/runtime/build.mjs'
import { measureColdLoad, THROTTLE } from '../bench/runtime/coldload.mjs'
import { measureJourneys, QUIET_MS } from '../bench/runtime/journeys.mjs'
import { measureOverhead } from '../bench/runtime/overhead.mjs'
import {
  LATCHKEY_PAGE,
  PEERS,
  peerContention,
  peerReloads,
  peerSession,
  peerSignIn,
  peerSites,
  serveSite,
} from '../bench/runtime/peers.mjs'
import { formatTable, sdkColumn } from '../bench/runtime/table.mjs'
import { LONG_MESSAGE, measureMessages } from '../bench/sizes/messages.mjs'
import { findChromium } from './browser.mjs'

const SPA = 'http://localhost:5173'
const ISSUER = 'http://localhost:4000'
const API = 'http://localhost:4001'
const CLIENT_ID = 'latchkey-spa'
const SCOPE = 'openid profile email offline_access api:read'
// The SPA refreshes 5 s before expiry; tokens of 10 s leave 5 s to open 10 tabs on a busy machine.
const LEEWAY_S = 5
const SHORT_TTL_S = 10
const DEFAULT_TTL_S = 300
// The peers' runs: oidc-client-ts's expiring notification (its renew timer) at 10 s before expiry
// of a 20 s token; auth0-spa-js refreshes 60 s before expiry (fixed in its code), so a 70 s token.
// Either way the tabs have 10 s to open before the window, and the renewed tokens' windows start
// after the count.
const PEER_LEEWAY_S = 10
const PEER_TTL_S = { 'oidc-client-ts': 20, 'auth0-spa-js': 70 }
// The minimal pages (bench/runtime/pages) of the peers and of Latchkey, each on an origin of its own.
const PAGES = [...PEERS, LATCHKEY_PAGE]
const SIZES_MODULE = new URL('../bench/sizes/measure.mjs', import.meta.url)

const args = process.argv.slice(2)
const shapes = args
  .filter((arg) => /^\d+x\d+$/.test(arg))
  .map((arg) => arg.split('x').map(Number))
  .filter(([tabs, calls]) => tabs > 0 && calls > 0)
const option = (name) => args.find((arg) => arg.startsWith(`--${name}=`))
const numeric = (name, fallback) => {
  const arg = option(name)
  return arg ? Number(arg.slice(name.length + 3)) : fallback
}
const reloads = numeric('reloads', 20)
const rounds = numeric('rounds', 50)
const batch = numeric('calls', 20)
// A few rounds: each is three throttled page loads of about a second.
const coldRounds = numeric('cold-rounds', 5)
const only = option('only')?.slice('--only='.length)
const unknown = args.filter(
  (arg) =>
    !/^\d+x\d+$/.test(arg) &&
    !['reloads', 'rounds', 'calls', 'cold-rounds', 'only'].some((name) => arg === option(name)),
)
if (
  unknown.length > 0 ||
  ![reloads, rounds, batch, coldRounds].every((value) => Number.isInteger(value) && value > 0) ||
  (only !== undefined &&
    !['fetch', 'dpop', 'coldload', 'journeys', 'sessions', 'sizes'].includes(only))
) {
  console.error(
    'usage: node scripts/bench.mjs [NxM ...] [--reloads=R] [--rounds=R] [--calls=C] [--cold-rounds=R]\n' +
      '                              [--only=fetch|coldload|journeys|sessions|sizes]\n' +
      '   e.g. 5x10 10x20 --reloads=20 --rounds=50 --calls=20 --cold-rounds=5',
  )
  process.exit(2)
}
// `--only=dpop` was this figure's name before the overhead comparison.
const measureFetch = only === undefined || only === 'fetch' || only === 'dpop'
const measureSessions = only === undefined || only === 'sessions'
const measureCold = only === undefined || only === 'coldload'
const measureJourneysToo = only === undefined || only === 'journeys'
const measureSizesToo = only === undefined || only === 'sizes'
if (shapes.length === 0) shapes.push([5, 10], [10, 20])

let playground
let browser
let buildDir
let chromiumVersion
let sites
const servers = []

async function main() {
  const versions = await peerVersions()
  const sdks = ['Latchkey', ...PEERS.map(({ sdk }) => sdk)]
  const headers = Object.fromEntries(PEERS.map(({ sdk }) => [sdk, `${sdk} ${versions[sdk]}`]))
  const rows = []

  if (measureFetch || measureSessions || measureCold || measureJourneysToo) {
    for (const url of [SPA, ...PAGES.map(({ origin }) => origin)]) {
      if (await reachable(url)) {
        throw new Error(
          `${url} is already in use; stop that server (the benchmark starts its own).`,
        )
      }
    }
    playground = spawn(process.execPath, ['--import', 'tsx', 'playground/dev.ts'], {
      env: {
        ...process.env,
        LATCHKEY_REFRESH_LEEWAY: String(LEEWAY_S),
        LATCHKEY_PLAYGROUND_QUIET: '1',
        LATCHKEY_EXTRA_ORIGINS: PAGES.map(({ origin }) => origin).join(','),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
      // Its own process group, so the cleanup reaches Vite and the servers it started.
      detached: true,
    })
    await waitFor(SPA, 60_000)
    sites = await peerSites({
      issuer: ISSUER,
      clientId: CLIENT_ID,
      scope: SCOPE,
      api: API,
      leeway: PEER_LEEWAY_S,
      latchkeyLeeway: LEEWAY_S,
    })
    for (const { sdk } of PAGES) servers.push(await serveSite(sites[sdk]))
    browser = await chromium.launch({ headless: true, ...(findChromium() ?? {}) })
    chromiumVersion = browser.version()
    // Before anything else: the sessions figures end with the playground stopped.
    if (measureFetch) rows.push(...overheadRows(await overhead()))
    // Before the sessions figures too: its first API read needs the demo API.
    if (measureCold) rows.push(...(await coldLoadRows()))
    // So do its sign-ins and API reads.
    if (measureJourneysToo) rows.push(...(await journeyRows()))
    if (measureSessions) rows.push(...(await sessions()))
    await cleanup()
  }

  if (measureSizesToo) {
    const sizes = await sizeRows()
    for (const sdk of sizes.sdks) if (!sdks.includes(sdk)) sdks.push(sdk)
    Object.assign(headers, sizes.headers)
    rows.push(...sizes.rows, await messagesRow())
  }

  const info = await machine()
  console.log('')
  const settings = [
    only ? `--only=${only}` : '',
    measureSessions ? `${shapes.map(([n, m]) => `${n}x${m}`).join(' ')}, ${reloads} reloads` : '',
    measureFetch
      ? `${rounds} paired rounds of ${batch} (loopback) / ${batch * 10} (in-page) calls`
      : '',
    measureCold ? `${coldRounds} cold-load rounds` : '',
  ].filter(Boolean)
  console.log(`${info}; ${settings.join(', ')}`)
  console.log('')
  console.log(formatTable(rows, sdks, headers))
}

/**
 * Signs in a DPoP and a Bearer session in Latchkey's minimal page (a production bundle on a static
 * server: a dev server reloads its pages when someone edits a file) and measures authFetch
 * overhead in them.
 */
async function overhead() {
  const dpopContext = await browser.newContext({ baseURL: LATCHKEY_PAGE.origin })
  const dpopPage = await dpopContext.newPage()
  await minimalSignIn(dpopPage, `bench-dpop-${Date.now()}`)
  const bearerContext = await browser.newContext({ baseURL: LATCHKEY_PAGE.origin })
  const bearerPage = await bearerSignIn(bearerContext, minimalSignIn)
  const bound = await Promise.all(
    [dpopPage, bearerPage].map((page) => page.evaluate(() => window.latchkey.getState().dpop)),
  )
  if (bound[0] !== true || bound[1] !== false) {
    throw new Error(`expected one DPoP and one Bearer session, got dpop = ${bound.join(' and ')}`)
  }
  try {
    return await measureOverhead({
      pages: { bearer: bearerPage, dpop: dpopPage },
      api: API,
      issuer: ISSUER,
      rounds,
      calls: batch,
    })
  } finally {
    await dpopContext.close()
    await bearerContext.close()
  }
}

/** A page signed in with a Bearer session: loaded while discovery hides DPoP. */
async function bearerSignIn(context, signInWith = signIn) {
  await setAuthServerConfig({ advertiseDpop: false })
  const page = await context.newPage()
  try {
    await signInWith(page, `bench-bearer-${Date.now()}`)
  } finally {
    await setAuthServerConfig({ advertiseDpop: true })
  }
  return page
}

function overheadRows(result) {
  const { inPage, loopback } = result
  const note = (way) =>
    `median of ${result.rounds} per-round differences to plain fetch (${result.calls[way]} calls a round); per call in all: Latchkey Bearer ${ms2(way === 'inPage' ? inPage['bearer:latchkey'].median : loopback['bearer:latchkey'].median)}, plain fetch ${ms2((way === 'inPage' ? inPage : loopback)['bearer:fetch'].median)}`
  const cells = (figures, mode) => ms2(figures[mode].overhead)
  return [
    {
      measure: 'authFetch overhead per call, Bearer, API answered in the page (the SDK’s own work)',
      Latchkey: cells(inPage, 'bearer:latchkey'),
      'oidc-client-ts': 'n/a: no fetch wrapper',
      'auth0-spa-js': cells(inPage, 'bearer:auth0-bearer'),
      goal: '≈ 0.05 ms',
      note: note('inPage'),
    },
    {
      measure: 'authFetch overhead per call, DPoP, API answered in the page (the SDK’s own work)',
      Latchkey: cells(inPage, 'dpop:latchkey'),
      'oidc-client-ts': 'n/a: no fetch wrapper',
      'auth0-spa-js': cells(inPage, 'bearer:auth0-dpop'),
      goal: '≈ 0.22 ms',
      note: `one ES256 proof each; DPoP over Bearer: Latchkey ${ms2(inPage.latchkeyDpopOverBearer)}, auth0-spa-js ${ms2(inPage.auth0DpopOverBearer)}`,
    },
    {
      measure: 'authFetch overhead per call, Bearer, loopback API that answers at once',
      Latchkey: cells(loopback, 'bearer:latchkey'),
      'oidc-client-ts': 'n/a: no fetch wrapper',
      'auth0-spa-js': cells(loopback, 'bearer:auth0-bearer'),
      goal: '',
      note: note('loopback'),
    },
    {
      measure: 'authFetch overhead per call, DPoP, loopback API that answers at once',
      Latchkey: cells(loopback, 'dpop:latchkey'),
      'oidc-client-ts': 'n/a: no fetch wrapper',
      'auth0-spa-js': cells(loopback, 'bearer:auth0-dpop'),
      goal: 'below auth0-spa-js',
      note: `DPoP over Bearer: Latchkey ${ms2(loopback.latchkeyDpopOverBearer)}, auth0-spa-js ${ms2(loopback.auth0DpopOverBearer)}; per call in all: Latchkey ${ms2(loopback['dpop:latchkey'].median)}, auth0-spa-js ${ms2(loopback['bearer:auth0-dpop'].median)}`,
    },
  ]
}

/** The table's column of each SDK with a minimal page (Latchkey's and the peers'), by its key. */
function sdkColumns() {
  return { latchkey: 'Latchkey', ...Object.fromEntries(PEERS.map(({ sdk }) => [sdk, sdk])) }
}

/** The throttled cold load of each SDK's minimal page, in paired rounds (bench/runtime/coldload.mjs). */
async function coldLoadRows() {
  // Long-lived tokens: no load of the run needs a refresh.
  await setAccessTokenTtl(DEFAULT_TTL_S)
  const columns = sdkColumns()
  const figures = await measureColdLoad({
    browser,
    sites,
    sdks: Object.keys(columns),
    rounds: coldRounds,
    issuer: ISSUER,
    api: API,
    signIn: async (page, site, login) => {
      await peerSignIn(page, site, ISSUER, login)
      // The notes say so: Latchkey's session is DPoP-bound, as discovery offers it.
      if (site === sites.latchkey && !(await page.evaluate(() => window.latchkey.getState().dpop)))
        throw new Error('the cold load: Latchkey signed in without DPoP')
    },
  })
  const cell = ({ median, min, max }) => `${ms(median)} (${min.toFixed(1)}-${max.toFixed(1)} ms)`
  const byColumn = (format) =>
    Object.fromEntries(
      Object.entries(columns).map(([sdk, column]) => [column, format(figures[sdk])]),
    )
  const differences = (key) =>
    PEERS.map(({ sdk }) => `${sdk} ${signed(figures[sdk][key])}`).join(', ')
  const network = `${THROTTLE.latencyMs} ms RTT, ${THROTTLE.downloadMbps} Mbit/s down, no cache`
  return [
    {
      measure: `cold load, throttled (${network}), persisted session: navigation start -> authenticated, the same minimal page per SDK, median of ${coldRounds} paired rounds (range)`,
      ...byColumn((figure) => cell(figure.authenticated)),
      goal: '',
      note: `per-round difference to Latchkey, median: ${differences('authenticatedDifference')}; SDK created -> authenticated: ${Object.entries(
        columns,
      )
        .map(([sdk, column]) => `${column} ${ms(figures[sdk].restore)}`)
        .join(', ')}; transferred (gzip): ${Object.entries(columns)
        .map(([sdk, column]) => `${column} ${figures[sdk].kB.toFixed(1)} kB`)
        .join(', ')}; scripts requested: ${Object.entries(columns)
        .map(([sdk, column]) => `${column} ${figures[sdk].scripts}`)
        .join(
          ', ',
        )} (Latchkey's page code-split, its on-demand chunks included); requests to the issuer: ${Object.entries(
        columns,
      )
        .map(([sdk, column]) => `${column} ${figures[sdk].issuerRequests}`)
        .join(', ')}`,
    },
    {
      measure: `the same, navigation start -> the first API answer (GET /api/me through the SDK)`,
      ...byColumn((figure) => cell(figure.api)),
      goal: '',
      note: `per-round difference to Latchkey, median: ${differences('apiDifference')}; requests to the API per load: ${Object.entries(
        columns,
      )
        .map(
          ([sdk, column]) =>
            `${column} ${figures[sdk].apiRequests} (+${figures[sdk].preflights} CORS preflight)`,
        )
        .join(', ')}; Latchkey DPoP, the peers Bearer`,
    },
  ]
}

function signed(value) {
  return `${value >= 0 ? '+' : '-'}${ms(Math.abs(value))}`
}

/** The JS each journey downloads, per SDK's minimal page (bench/runtime/journeys.mjs). */
async function journeyRows() {
  await setAccessTokenTtl(DEFAULT_TTL_S)
  const columns = sdkColumns()
  const figures = await measureJourneys({
    browser,
    sites,
    sdks: Object.keys(columns),
    issuer: ISSUER,
    signIn: (page, site, login) => peerSignIn(page, site, ISSUER, login),
    // The peers' pages are kept as they were written: they have no sign-out.
    canSignOut: (sdk) => sdk === LATCHKEY_PAGE.sdk,
  })
  const row = (key, measure, lateLabel, unavailable) => {
    const cells = {}
    const notes = []
    for (const [sdk, column] of Object.entries(columns)) {
      const figure = figures[sdk][key]
      if (figure === undefined) {
        cells[column] = `n/a: ${unavailable}`
        continue
      }
      const scripts = (count) => `${count} script${count === 1 ? '' : 's'}`
      cells[column] = `${kb(figure.bytes)} (${scripts(figure.scripts)})`
      const details = []
      if (figure.afterScripts > 0) {
        details.push(`${lateLabel} ${kb(figure.after)} (${scripts(figure.afterScripts)})`)
      }
      if (figure.rawScripts !== figure.scripts) {
        details.push(
          `${kb(figure.raw)} in ${figure.rawScripts} responses with the second download of a page loaded twice`,
        )
      }
      const foreign = figure.origins.filter((origin) => origin !== sites[sdk].origin)
      if (foreign.length > 0) details.push(`scripts also from ${foreign.join(', ')}`)
      if (details.length > 0) notes.push(`${column}: ${details.join(', ')}`)
    }
    return { measure, ...cells, goal: 'no growth', note: notes.join('; ') }
  }
  const signIn = row(
    'signIn',
    'JS per journey, gzip over the network, each URL once: first visit signed out, sign-in (login page, consent) until authenticated',
    'of which after authenticated',
    '',
  )
  signIn.note = [
    `same minimal page per SDK, HTTP cache emptied before each journey, which ends once the network has been quiet for ${QUIET_MS / 1000} s (the sign-out: quiet before logout(), then until the page has left), so prefetches count`,
    signIn.note,
  ]
    .filter(Boolean)
    .join('; ')
  return [
    signIn,
    row(
      'apiCall',
      'the same: returning user, persisted session, page load and one API read (GET /api/me through the SDK)',
      'of which after the answer',
      '',
    ),
    row(
      'signOut',
      'the same: returning user, persisted session, page load, then sign-out until the page has left for the end-session endpoint',
      'of which after logout()',
      'its bench page has no sign-out',
    ),
  ]
}

/** Refresh contention and reloads, Latchkey and the peers. */
/** Signs in Latchkey's minimal page (bench/runtime/pages/latchkey.js). */
function minimalSignIn(page, login) {
  return peerSignIn(page, sites.latchkey, ISSUER, login)
}

async function sessions() {
  const rows = []
  // The tabs run Latchkey's minimal page: a dev server reloads its pages when a file changes.
  const context = await browser.newContext({ baseURL: LATCHKEY_PAGE.origin })
  // Background tabs: the SDK's proactive refresh timer pauses, so the refreshes counted are the
  // ones the calls trigger, not a timer that fired first.
  await context.addInitScript(() => {
    Object.defineProperty(Document.prototype, 'visibilityState', { get: () => 'hidden' })
    Object.defineProperty(Document.prototype, 'hidden', { get: () => true })
  })
  const first = await context.newPage()
  await minimalSignIn(first, `bench-${Date.now()}`)

  for (const [tabs, calls] of shapes) {
    const latchkey = await concurrentRefresh(context, first, tabs, calls)
    const row = {
      measure: `refresh-token requests, ${tabs} tabs x ${calls} concurrent reads in the refresh window`,
      Latchkey: contentionCell(
        latchkey.refreshes,
        latchkey.ok,
        tabs * calls,
        latchkey.signedIn,
        tabs,
        latchkey.challenges,
      ),
      goal: 1,
      note: 'Latchkey: authFetch in hidden tabs; oidc-client-ts: getUser() + fetch, automatic silent renew; auth0-spa-js: fetchWithAuth (getTokenSilently), localStorage cache',
    }
    for (const { sdk } of PEERS) {
      const peer = await peerContention({
        browser,
        site: sites[sdk],
        sdk,
        tabs,
        reads: calls,
        ttl: PEER_TTL_S[sdk],
        setTtl: setAccessTokenTtl,
        refreshRequests: refreshTokenRequests,
        issuer: ISSUER,
        readUrl: `${API}/api/me`,
      })
      row[sdk] = contentionCell(peer.refreshes, peer.ok, tabs * calls, peer.signedIn, tabs)
      if (peer.errors.length > 0) {
        const byError = new Map()
        for (const error of peer.errors) byError.set(error, (byError.get(error) ?? 0) + 1)
        const counts = [...byError].map(([error, count]) => `${count} answered ${error}`)
        row[sdk] = row[sdk].replace('(', `(${counts.join(', ')}; `)
      }
      if (peer.failures.length > 0)
        console.warn(`${sdk} ${tabs}x${calls}: reads failed with ${peer.failures.join(', ')}`)
    }
    await setAccessTokenTtl(DEFAULT_TTL_S)
    rows.push(row)
  }
  // The playground SPA, for its reload figures (Vite dev server now, production build later).
  const spaContext = await browser.newContext({ baseURL: SPA })
  const spaPage = await spaContext.newPage()
  await signIn(spaPage, `bench-spa-${Date.now()}`)
  const load = await reloadTimes(spaPage)

  // Visible tabs: every tab's proactive timer fires at the same moment, with no calls at all.
  const visible = await browser.newContext({ baseURL: LATCHKEY_PAGE.origin })
  const visibleFirst = await visible.newPage()
  await minimalSignIn(visibleFirst, `bench-timers-${Date.now()}`)
  const timerTabs = Math.max(...shapes.map(([tabs]) => tabs))
  const timers = await concurrentRefresh(visible, visibleFirst, timerTabs, 0)
  await visible.close()
  rows.push({
    measure: `refresh-token requests, ${timerTabs} visible tabs, proactive timers only`,
    Latchkey: contentionCell(timers.refreshes, 0, 0, timers.signedIn, timerTabs, timers.challenges),
    'oidc-client-ts': 'see rows above (its timers are its refresh)',
    'auth0-spa-js': 'n/a: no proactive refresh',
    goal: 1,
    note: '',
  })

  // Silent sign-in: a Bearer session is kept in memory, so a reload asks the authorization server.
  const silentContext = await browser.newContext({ baseURL: SPA })
  const silentPage = await bearerSignIn(silentContext)
  await setAuthServerConfig({ advertiseDpop: false })
  let silent
  try {
    silent = await reloadTimes(silentPage, { refreshFirst: false, expectSilent: true })
  } finally {
    await setAuthServerConfig({ advertiseDpop: true })
  }
  await silentContext.close()

  // Long-lived peer sessions, signed in before the playground stops.
  await setAccessTokenTtl(DEFAULT_TTL_S)
  const peerPages = {}
  for (const { sdk } of PAGES) {
    peerPages[sdk] = await peerSession({ browser, site: sites[sdk], sdk, issuer: ISSUER })
  }

  // The yardstick of Latchkey's restore: its page copies what Latchkey stored into a database of
  // its own, read back bare in a load of each reload round (bench/runtime/pages).
  const probeValue = await peerPages.latchkey.evaluate(() => window.bench.setUpProbe())

  // The dev server serves dozens of unbundled modules; a production build is what users load.
  // A restore needs no server but the page's own origin, so the build takes over port 5173; the
  // peers' pages are already production bundles on static servers of their own.
  buildDir = await buildSpa()
  await stopPlayground()
  servers.push(await serveStatic(buildDir))
  const builtLoad = await reloadTimes(spaPage, { refreshFirst: false })
  const peerLoads = {}
  for (const { sdk } of PAGES) {
    const probe = sdk === LATCHKEY_PAGE.sdk
    const { samples, restores, probes, issuerRequests } = await peerReloads(
      peerPages[sdk],
      reloads,
      ISSUER,
      { probe },
    )
    peerLoads[sdk] = { ...stats(samples), restore: stats(restores).median, issuerRequests }
    if (probe) {
      peerLoads[sdk].probe = stats(probes).median
      // Paired: the restore and the bare read of the same round.
      peerLoads[sdk].ownWork = stats(restores.map((restore, i) => restore - probes[i])).median
    }
  }

  const loadCell = (figures) =>
    `${ms(figures.median)} (p95 ${ms(figures.p95)}${figures.issuerRequests ? `, ${figures.issuerRequests} requests to the issuer` : ''})`
  rows.push(
    {
      measure: `reload to authenticated, persisted session, no network: navigation start -> authenticated, the same minimal page per SDK, median of ${reloads}`,
      Latchkey: loadCell(peerLoads.latchkey),
      ...Object.fromEntries(PEERS.map(({ sdk }) => [sdk, loadCell(peerLoads[sdk])])),
      goal: '< 50 ms',
      note: 'the peers one esbuild bundle each, Latchkey code-split; Latchkey: DPoP session in IndexedDB; oidc-client-ts: getUser() from localStorage; auth0-spa-js: checkSession() + isAuthenticated(), localStorage cache',
    },
    {
      measure: 'the same, SDK created -> authenticated (the SDK’s restore)',
      Latchkey: ms(peerLoads.latchkey.restore),
      ...Object.fromEntries(PEERS.map(({ sdk }) => [sdk, ms(peerLoads[sdk].restore)])),
      goal: '',
      note: 'Latchkey opens IndexedDB (session and non-extractable DPoP key); the peers read localStorage',
    },
    {
      measure: `the same for Latchkey against a bare IndexedDB open + one get in the same page: Latchkey’s own work (SDK created -> authenticated minus the bare read), median of ${reloads} paired rounds’ differences`,
      Latchkey: `${ms2(peerLoads.latchkey.ownWork)} (restore ${ms2(peerLoads.latchkey.restore)}, bare open + get ${ms2(peerLoads.latchkey.probe)})`,
      goal: '< 1 ms',
      note: `restore and bare read: medians of the same rounds; the bare read opens a database of the page’s own and gets one value holding the ${probeValue.records} records Latchkey stored (${probeValue.jsonBytes} bytes as JSON, its CryptoKeys besides), in a load of its own in each round, where the SDK would be created (the first IndexedDB use of a load costs most: each is the first of its load)`,
    },
    {
      measure: `reload to authenticated, persisted session, the playground SPA’s production build, median of ${reloads}`,
      Latchkey: loadCell(builtLoad),
      goal: '< 50 ms',
      note: `DOMContentLoaded median ${ms(builtLoad.domContentLoaded)}; createAuth() -> authenticated median ${ms(builtLoad.restore)}`,
    },
    {
      measure: `reload to authenticated with silent sign-in (Bearer session in memory), median of ${reloads}`,
      Latchkey: loadCell(silent),
      'oidc-client-ts': 'n/a: not driven (iframe silent renew, no page for it here)',
      'auth0-spa-js': 'n/a: not driven (its iframe flow needs response_mode=web_message)',
      goal: '',
      note: `Vite dev server, prompt=none through the authorization server; SDK restore median ${ms(silent.restore)}`,
    },
    {
      measure: `reload to authenticated, persisted session, Vite dev server, median of ${reloads}`,
      Latchkey: loadCell(load),
      goal: '',
      note: `unbundled modules; last script loaded -> authenticated median ${ms(load.afterScripts)}`,
    },
  )
  return rows
}

function contentionCell(refreshes, ok, calls, signedIn, tabs, challenges = 0) {
  const challenged = challenges > 0 ? `+${challenges} use_dpop_nonce answer, ` : ''
  return `${refreshes} (${challenged}${calls > 0 ? `${ok}/${calls} reads OK, ` : ''}${signedIn}/${tabs} tabs signed in)`
}

/** The rows of bench/sizes/measure.mjs, one per figure, one column per SDK. */
async function sizeRows() {
  if (!existsSync(SIZES_MODULE)) {
    return {
      sdks: [],
      headers: {},
      rows: [
        {
          measure: 'bundle sizes',
          goal: '',
          note: 'n/a: bench/sizes/measure.mjs is not there yet',
        },
      ],
    }
  }
  const { measureSizes } = await import(pathToFileURL(SIZES_MODULE.pathname).href)
  const sizes = await measureSizes()
  const sdks = []
  const headers = {}
  for (const { sdk, version } of sizes) {
    const column = sdkColumn(sdk)
    sdks.push(column)
    if (column !== 'Latchkey' || version)
      headers[column] = version ? `${column} ${version}` : column
  }
  const byColumn = (field, format) =>
    Object.fromEntries(sizes.map((row) => [sdkColumn(row.sdk), format(row[field])]))
  return {
    sdks,
    headers,
    rows: [
      {
        measure: 'same small app: first-load JS, gzip',
        ...byColumn('firstLoadGz', kb),
        goal: '',
        note: 'bench/sizes',
      },
      {
        measure: 'same small app: first-load JS, minified',
        ...byColumn('firstLoadMin', kb),
        goal: '',
        note: '',
      },
      { measure: 'same small app: all JS, gzip', ...byColumn('totalGz', kb), goal: '', note: '' },
      {
        measure: 'first-load gzip, ratio',
        ...byColumn('ratio', (value) =>
          typeof value === 'number' ? `${value.toFixed(2)}x` : String(value ?? ''),
        ),
        goal: '',
        note: '',
      },
    ],
  }
}

/** What Latchkey's long config_invalid messages weigh (bench/sizes/messages.mjs). */
async function messagesRow() {
  const result = await measureMessages()
  const files = [...new Set(result.messages.map(({ file }) => file))]
  return {
    measure:
      'same small app: gzip first load saved by moving the long config_invalid messages behind a development check (esbuild, measured, not changed)',
    Latchkey: `${kb(result.firstLoadGz - result.shortFirstLoadGz)} (${kb(result.firstLoadGz)} -> ${kb(result.shortFirstLoadGz)})`,
    goal: '',
    note: `${result.messages.length} of ${result.allMessages} messages (${LONG_MESSAGE}+ characters) cut to the option they name, in ${files.join(', ')} (those of on-demand chunks weigh on all JS only); the app built twice with esbuild (code splitting, ES modules, minified), first load = entry + static imports, gzip -9 per chunk; all JS ${kb(result.totalGz)} -> ${kb(result.shortTotalGz)}`,
  }
}

function kb(value) {
  return typeof value === 'number' ? `${(value / 1024).toFixed(2)} kB` : String(value ?? '')
}

async function machine() {
  const { cpus, totalmem } = await import('node:os')
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}${chromiumVersion ? `, Chromium ${chromiumVersion}` : ''}`
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    samples,
    median: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0],
    max: sorted.at(-1),
  }
}

/** N tabs of one context, each firing M concurrent authFetch calls once the token is in the leeway. */
async function concurrentRefresh(context, first, tabs, calls) {
  for (const page of context.pages()) if (page !== first) await page.close()
  // The tabs open on the long-lived session first (on a busy machine ten tabs of the dev server
  // take seconds), then one refresh in the first tab gives everyone a fresh short-lived token:
  // the others get it through the SDK's cross-tab broadcast.
  await setAccessTokenTtl(DEFAULT_TTL_S)
  const others = await Promise.all(
    Array.from({ length: tabs - 1 }, async () => {
      const page = await context.newPage()
      await page.goto('/')
      await page.waitForFunction(() => window.latchkey?.getState().status === 'authenticated')
      return page
    }),
  )
  const pages = [first, ...others]
  await setAccessTokenTtl(SHORT_TTL_S)
  await first.evaluate(() => window.latchkey.getAccessToken({ forceRefresh: true }))
  const fresh = await first.evaluate(() => window.latchkey.getState().expiresAt)
  await Promise.all(
    others.map((page) =>
      page.waitForFunction(
        (expiresAt) => window.latchkey.getState().expiresAt === expiresAt,
        fresh,
      ),
    ),
  )
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
  // The server demands DPoP nonces: a refresh whose nonce has gone stale is answered
  // `use_dpop_nonce` and sent again with the new one. That challenge is counted apart.
  const burst = (await refreshTokenRequests()).slice(before)
  const challenges = burst.filter((request) => request.error === 'use_dpop_nonce').length
  const refreshes = burst.length - challenges
  const states = await Promise.all(
    pages.map((page) => page.evaluate(() => window.latchkey.getState().status)),
  )
  await setAccessTokenTtl(DEFAULT_TTL_S)
  return {
    tabs,
    calls,
    refreshes,
    challenges,
    ok: statuses.flat().filter((status) => status === 200).length,
    signedIn: states.filter((status) => status === 'authenticated').length,
  }
}

/** Reloads one tab with a valid persisted session and reads when it became authenticated. */
async function reloadTimes(page, { refreshFirst = true, expectSilent = false } = {}) {
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
    const silent = await page.evaluate(() => window.latchkey.getState().silent === true)
    if (silent !== expectSilent) {
      throw new Error(`a reload was ${silent ? '' : 'not '}restored by silent sign-in`)
    }
    if (i > 0) {
      samples.push(mark)
      restores.push(restore)
      domContentLoaded.push(dcl)
      afterScripts.push(mark - scriptsLoaded)
    }
  }
  return {
    ...stats(samples),
    domContentLoaded: stats(domContentLoaded).median,
    afterScripts: stats(afterScripts).median,
    restore: stats(restores).median,
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
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
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
