// The throttled cold load of `npm run bench` (`--only=coldload`): each SDK's minimal page
// (bench/runtime/pages, the same app per SDK) opened in a new tab of a browser that holds a
// persisted session, over an emulated slow network with the HTTP cache off (Chromium's CDP,
// through Playwright), timed from navigation start to `authenticated` and to the answer of the
// app's first API read. Latchkey's page is code-split as an app's build is, so the chunks its SDK
// loads on demand come over the same throttled network; the peers' pages are one script each.
// The SDKs take turns within each round, so a moment of load on a shared machine falls on all of
// them; the figures are medians over the rounds of one run.
import { setTimeout as sleep } from 'node:timers/promises'

/** A slow mobile link: round trip, download and upload as Chromium's emulation takes them. */
export const THROTTLE = { latencyMs: 40, downloadMbps: 1.6, uploadMbps: 0.75 }

/**
 * @param {object} options
 * @param {import('@playwright/test').Browser} options.browser
 * @param {Record<string, { origin: string }>} options.sites by SDK, as peerSites returns them
 * @param {string[]} options.sdks the keys of `sites` to measure, the first the one compared to
 * @param {number} options.rounds measured rounds (one more, unmeasured, goes first)
 * @param {string} options.issuer
 * @param {string} options.api
 * @param {(page: import('@playwright/test').Page, site: { origin: string }, login: string) => Promise<void>} options.signIn
 */
export async function measureColdLoad({ browser, sites, sdks, rounds, issuer, api, signIn }) {
  // One browser profile per SDK, signed in once: every load restores the session as the SDK
  // persisted it (Latchkey in IndexedDB, the peers in localStorage).
  const contexts = {}
  const figures = {}
  try {
    for (const sdk of sdks) {
      contexts[sdk] = await browser.newContext()
      const page = await contexts[sdk].newPage()
      await signIn(page, sites[sdk], `bench-${sdk}-cold-${Date.now()}`)
      await page.close()
      figures[sdk] = { authenticated: [], api: [], loads: [] }
    }
    // The first round warms the servers and the browser's code caches of the bench itself; it is
    // not counted.
    for (let round = 0; round <= rounds; round++) {
      // Rotated, so no SDK always loads first after a pause or last after the others.
      const order = sdks.map((_, i) => sdks[(i + round) % sdks.length])
      for (const sdk of order) {
        const load = await coldLoad(contexts[sdk], sites[sdk].origin, issuer, api)
        if (load.answer !== 200) {
          throw new Error(`${sdk}: the cold load's API read answered ${load.answer}`)
        }
        if (round === 0) continue
        figures[sdk].authenticated.push(load.authenticated)
        figures[sdk].api.push(load.api)
        figures[sdk].loads.push(load)
      }
      // A moment between rounds, so the servers' and the browser's clean-up of the closed tabs
      // does not fall on the next round's first load.
      await sleep(200)
    }
  } finally {
    for (const context of Object.values(contexts)) await context.close().catch(() => {})
  }
  const [reference] = sdks
  const result = {}
  for (const sdk of sdks) {
    const { authenticated, api: answered, loads } = figures[sdk]
    const differences = (key) =>
      median(figures[sdk][key].map((value, i) => value - figures[reference][key][i]))
    result[sdk] = {
      authenticated: spread(authenticated),
      api: spread(answered),
      // Paired: this SDK's load minus the reference's in the same round.
      authenticatedDifference: differences('authenticated'),
      apiDifference: differences('api'),
      restore: median(loads.map((load) => load.restore)),
      kB: median(loads.map((load) => load.bytes / 1000)),
      // Fewest-most over the loads, e.g. "1" or "1-2": a retry or a cached preflight shows.
      apiRequests: range(loads.map((load) => load.apiRequests)),
      preflights: range(loads.map((load) => load.preflights)),
      issuerRequests: range(loads.map((load) => load.issuerRequests)),
      scripts: range(loads.map((load) => load.scripts)),
    }
  }
  return result
}

/** One load of `origin` in a new tab of `context`, throttled, no HTTP cache. */
async function coldLoad(context, origin, issuer, api) {
  const page = await context.newPage()
  try {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: THROTTLE.latencyMs,
      // Bytes per second.
      downloadThroughput: (THROTTLE.downloadMbps * 1e6) / 8,
      uploadThroughput: (THROTTLE.uploadMbps * 1e6) / 8,
    })
    const counts = { bytes: 0, apiRequests: 0, preflights: 0, issuerRequests: 0, scripts: 0 }
    cdp.on('Network.requestWillBeSent', ({ request, type }) => {
      // Latchkey's page is code-split: its chunks are requests of their own.
      if (type === 'Script') counts.scripts++
      // Chromium reports the CORS preflight as an OPTIONS request of its own.
      if (type === 'Preflight' || request.method === 'OPTIONS') counts.preflights++
      else if (request.url.startsWith(issuer)) counts.issuerRequests++
      else if (request.url.startsWith(api)) counts.apiRequests++
    })
    cdp.on('Network.loadingFinished', ({ encodedDataLength }) => {
      counts.bytes += encodedDataLength
    })
    await page.goto(`${origin}/?coldload`, { waitUntil: 'commit' })
    const handle = await page.waitForFunction(() => {
      const status = window.bench?.status()
      if (status === undefined || status === 'loading') return false
      if (status !== 'authenticated') return { status }
      const answered = performance.getEntriesByName('bench:api')[0]
      if (!answered) return false
      return {
        status,
        authenticated: performance.getEntriesByName('bench:authenticated')[0].startTime,
        restore:
          performance.getEntriesByName('bench:authenticated')[0].startTime -
          performance.getEntriesByName('bench:start')[0].startTime,
        api: answered.startTime,
        answer: answered.detail,
      }
    })
    const load = await handle.jsonValue()
    if (load.status !== 'authenticated')
      throw new Error(`${origin}: a cold load ended ${load.status}`)
    return { ...load, ...counts }
  } finally {
    await page.close()
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function spread(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

function range(values) {
  const [min, max] = [Math.min(...values), Math.max(...values)]
  return min === max ? String(min) : `${min}-${max}`
}
