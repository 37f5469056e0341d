// authFetch overhead in `npm run bench`: what an SDK adds to one API call, measured two ways in
// interleaved paired rounds, in Latchkey's minimal bench page (bench/runtime/pages/latchkey.js), one
// tab signed in with a DPoP session and one with a Bearer session:
//
//   in-page  the API's fetch is answered inside the page by a stub (no network at all), so what is
//            left is the SDK's own per-call work; Latchkey meets the stub as `window.fetch` (it
//            calls the global fetch at call time), auth0-spa-js's fetcher through its own `fetch`
//            option, and plain fetch calls the same stub with the token added by hand;
//   loopback the demo API's /api/ping on 127.0.0.1, which answers at once and ignores the token.
//
// A round runs a batch of C sequential calls of every mode, in an order that rotates from round to
// round, and keeps each batch's mean per call; a mode's figure is the median over the rounds of its
// per-round difference to plain fetch in the same page and round. Absolute times on a shared
// machine swing more than the effect; the paired difference does not.
//
// auth0-spa-js gets its access token from the fetcher's `getAccessToken` option (a function that
// returns the Latchkey session's token string), not from a session of its own; its DPoP proofs come
// from its own Auth0Client (`useDpop: true`) and key pair. Its figure therefore leaves out the
// token-cache lookup of getTokenSilently(): it is a lower bound of what it costs in an app.
import { bundlePage } from './build.mjs'

/** Mode keys: `${page}:${sdk}`; the plain-fetch mode of each page is the pair's baseline. */
const OVERHEAD_MODES = [
  ['bearer:fetch', 'plain fetch, token added by hand'],
  ['bearer:latchkey', 'Latchkey authFetch, Bearer'],
  ['dpop:fetch', 'plain fetch, token added by hand (DPoP page)'],
  ['dpop:latchkey', 'Latchkey authFetch, DPoP'],
  ['bearer:auth0-bearer', 'auth0-spa-js fetchWithAuth, Bearer'],
  ['bearer:auth0-dpop', 'auth0-spa-js fetchWithAuth, DPoP'],
]

/**
 * @param {object} options
 * @param {{ bearer: import('@playwright/test').Page, dpop: import('@playwright/test').Page }} options.pages
 *   pages with `window.latchkey`, signed in with a Bearer and a DPoP session
 * @param {string} options.api the demo API's origin
 * @param {string} options.issuer
 * @param {number} options.rounds
 * @param {number} options.calls calls per batch against loopback; in-page batches are 10 times longer
 */
export async function measureOverhead({ pages, api, issuer, rounds, calls }) {
  const auth0 = await bundlePage('auth0-fetcher', 'Auth0Bench')
  for (const page of Object.values(pages)) {
    await page.addScriptTag({ content: auth0 })
    await page.evaluate(setUp, { api, issuer })
  }
  const result = {}
  for (const [way, count] of [
    ['inPage', calls * 10],
    ['loopback', calls],
  ]) {
    const perCall = Object.fromEntries(OVERHEAD_MODES.map(([mode]) => [mode, []]))
    // Round 0 warms up the JIT, connections and preflight caches; it is not counted.
    for (let round = 0; round <= rounds; round++) {
      const order = OVERHEAD_MODES.map(([mode]) => mode)
      for (let i = 0; i < round % order.length; i++) order.push(order.shift())
      for (const mode of order) {
        const [pageName, sdk] = mode.split(':')
        const mean = await pages[pageName].evaluate(runBatch, {
          sdk,
          count,
          stub: way === 'inPage',
        })
        if (round > 0) perCall[mode].push(mean)
      }
    }
    result[way] = summarize(perCall)
  }
  result.rounds = rounds
  result.calls = { inPage: calls * 10, loopback: calls }
  return result
}

function summarize(perCall) {
  const baseline = (mode) => `${mode.split(':')[0]}:fetch`
  const figures = {}
  for (const [mode] of OVERHEAD_MODES) {
    const own = perCall[mode]
    const base = perCall[baseline(mode)]
    figures[mode] = {
      median: median(own),
      overhead: median(own.map((value, round) => value - base[round])),
    }
  }
  // DPoP over Bearer for Latchkey: the two pages' paired differences, per round.
  const bearer = perCall['bearer:latchkey'].map((v, r) => v - perCall['bearer:fetch'][r])
  const dpop = perCall['dpop:latchkey'].map((v, r) => v - perCall['dpop:fetch'][r])
  figures.latchkeyDpopOverBearer = median(dpop.map((value, round) => value - bearer[round]))
  const auth0Bearer = perCall['bearer:auth0-bearer']
  figures.auth0DpopOverBearer = median(
    perCall['bearer:auth0-dpop'].map((value, round) => value - auth0Bearer[round]),
  )
  return figures
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** Runs in the page once: the token, the stub and auth0-spa-js's fetchers. */
async function setUp({ api, issuer }) {
  const token = await window.latchkey.getAccessToken()
  const stub = () => Promise.resolve(new Response(null, { status: 200 }))
  const client = new window.Auth0Bench.Auth0Client({
    domain: issuer,
    clientId: 'latchkey-bench-overhead',
    useDpop: true,
    authorizationParams: { redirect_uri: `${window.location.origin}/callback` },
  })
  const getAccessToken = async () => token
  window.benchOverhead = {
    token,
    stub,
    url: `${api}/api/ping`,
    fetchers: {
      'auth0-bearer': client.createFetcher({ getAccessToken }),
      'auth0-dpop': client.createFetcher({ getAccessToken, dpopNonceId: 'bench' }),
      'auth0-bearer:stub': client.createFetcher({ getAccessToken, fetch: stub }),
      'auth0-dpop:stub': client.createFetcher({
        getAccessToken,
        fetch: stub,
        dpopNonceId: 'bench',
      }),
    },
  }
}

/** Runs in the page: `count` sequential calls of one mode; the mean per call in milliseconds. */
async function runBatch({ sdk, count, stub }) {
  const bench = window.benchOverhead
  const { url, token } = bench
  const call =
    sdk === 'fetch'
      ? () => window.fetch(url, { headers: { authorization: `Bearer ${token}` } })
      : sdk === 'latchkey'
        ? () => window.latchkey.authFetch(url)
        : () => bench.fetchers[stub ? `${sdk}:stub` : sdk].fetchWithAuth(url)
  const real = window.fetch
  if (stub) window.fetch = bench.stub
  try {
    const start = performance.now()
    for (let i = 0; i < count; i++) {
      const response = await call()
      await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`${sdk}: HTTP ${response.status}`)
    }
    return (performance.now() - start) / count
  } finally {
    window.fetch = real
  }
}
