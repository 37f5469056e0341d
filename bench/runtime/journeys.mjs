// The JS each journey a user makes downloads, for `npm run bench` (`--only=journeys`): each SDK's
// minimal page (bench/runtime/pages; Latchkey's code-split, so its on-demand chunks count when they
// are fetched) in a browser profile of its own, on the unthrottled network, the HTTP cache empty at
// the start of each journey:
//
//   sign-in    first visit, signed out; sign in through the playground's login page and consent,
//              back on the page until `authenticated`;
//   API call   returning user: the page loads with the session persisted by the sign-in and makes
//              one API read (`?coldload`, as the cold load does) until its answer;
//   sign-out   returning user: the page loads with the persisted session, then signs out, until the
//              page has left for the end-session endpoint.
//
// Counted: every script response Chromium finished (any origin, on-demand chunks included), by its
// body bytes as they came over the network (gzip; Playwright's request.sizes()). A journey that
// reaches its end also waits for the network to be quiet, so that what the SDK prefetches once the
// state is known (Latchkey: the next step's chunk) counts too; the part after the end is shown
// apart. The pages' server sends no validators, so a page loaded twice in a journey (the sign-in's
// return to /callback) downloads its scripts twice: each URL counts once, as with an app whose
// files the browser may cache, and the raw sum is shown apart.
import { setTimeout as sleep } from 'node:timers/promises'

/** Quiet means no request in flight and none started for this long. */
export const QUIET_MS = 2000
/** Past this, the measure takes what it has (a page that polls would never be quiet). */
const QUIET_LIMIT_MS = 15_000

/**
 * @param {object} options
 * @param {import('@playwright/test').Browser} options.browser
 * @param {Record<string, { origin: string }>} options.sites by SDK, as peerSites returns them
 * @param {string[]} options.sdks the keys of `sites` to measure
 * @param {string} options.issuer
 * @param {(page: import('@playwright/test').Page, site: { origin: string }, login: string) => Promise<void>} options.signIn
 * @param {(sdk: string) => boolean} options.canSignOut whether the SDK's page has `bench.logout()`
 * @returns {Promise<Record<string, Record<'signIn' | 'apiCall' | 'signOut', Journey | undefined>>>}
 *   by SDK; a journey the page cannot make is undefined
 *
 * @typedef {{ bytes: number, scripts: number, raw: number, rawScripts: number, after: number,
 *   afterScripts: number, origins: string[] }} Journey bytes and scripts counted once per URL,
 *   the raw sum, what came after the journey's end (the prefetches; for the sign-out, what came
 *   after logout() was called), and the origins the scripts came from
 */
export async function measureJourneys({ browser, sites, sdks, issuer, signIn, canSignOut }) {
  const result = {}
  for (const sdk of sdks) {
    const { origin } = sites[sdk]
    const context = await browser.newContext()
    try {
      const fresh = async () => {
        for (const page of context.pages()) await page.close()
        const page = await context.newPage()
        // The session stays (IndexedDB, localStorage); the HTTP cache goes.
        const cdp = await context.newCDPSession(page)
        await cdp.send('Network.clearBrowserCache')
        await cdp.detach()
        return page
      }
      const journeys = {}

      let page = await fresh()
      journeys.signIn = await journey(page, async () => {
        await signIn(page, sites[sdk], `bench-${sdk}-journey-${Date.now()}`)
      })

      page = await fresh()
      journeys.apiCall = await journey(page, async () => {
        await page.goto(`${origin}/?coldload`)
        const answer = await (
          await page.waitForFunction(() => performance.getEntriesByName('bench:api')[0]?.detail)
        ).jsonValue()
        if (answer !== 200) throw new Error(`${sdk}: the journey's API read answered ${answer}`)
      })

      if (canSignOut(sdk)) {
        page = await fresh()
        journeys.signOut = await journey(
          page,
          async () => {
            await page.goto(`${origin}/`)
            await page.waitForFunction(() => window.bench?.status() === 'authenticated')
            // As a user who reads the page before signing out: what it fetches meanwhile counts.
            await quiet(page)
          },
          async () => {
            await Promise.all([
              page.waitForURL(`${issuer}/**`),
              // Not awaited in the page: the navigation it starts would destroy the evaluation.
              page.evaluate(() => {
                window.bench.logout()
              }),
            ])
          },
        )
      }
      result[sdk] = journeys
    } finally {
      await context.close()
    }
  }
  return result
}

/**
 * Counts the scripts `page` downloads while `reach` runs to the journey's end, then until the
 * network is quiet, or, with `leave`, while `leave` runs (the sign-out); what was requested after
 * `reach` is marked `late`.
 */
async function journey(page, reach, leave) {
  const responses = []
  let end = Number.POSITIVE_INFINITY
  const listen = (request) => {
    if (request.resourceType() !== 'script') return
    responses.push(
      request.sizes().then(
        ({ responseBodySize }) => ({
          url: request.url(),
          bytes: responseBodySize,
          // Both in milliseconds since the epoch.
          late: request.timing().startTime >= end,
        }),
        () => undefined,
      ),
    )
  }
  page.on('requestfinished', listen)
  try {
    await reach()
    end = Date.now()
    if (leave) await leave()
    else await quiet(page)
    return summarize((await Promise.all(responses)).filter(Boolean))
  } finally {
    page.off('requestfinished', listen)
  }
}

function summarize(responses) {
  const seen = new Set()
  const once = responses.filter(({ url }) => !seen.has(url) && seen.add(url))
  const sum = (list) => list.reduce((total, { bytes }) => total + bytes, 0)
  const after = once.filter((response) => response.late)
  return {
    bytes: sum(once),
    scripts: once.length,
    raw: sum(responses),
    rawScripts: responses.length,
    after: sum(after),
    afterScripts: after.length,
    origins: [...new Set(responses.map(({ url }) => new URL(url).origin))],
  }
}

/** Resolves once no request of `page` is in flight and none started for QUIET_MS. */
async function quiet(page) {
  const pending = new Set()
  let last = Date.now()
  const started = (request) => {
    pending.add(request)
    last = Date.now()
  }
  const ended = (request) => {
    pending.delete(request)
    last = Date.now()
  }
  page.on('request', started)
  page.on('requestfinished', ended)
  page.on('requestfailed', ended)
  const deadline = Date.now() + QUIET_LIMIT_MS
  try {
    while (Date.now() < deadline && (pending.size > 0 || Date.now() - last < QUIET_MS)) {
      await sleep(100)
    }
  } finally {
    page.off('request', started)
    page.off('requestfinished', ended)
    page.off('requestfailed', ended)
  }
}
