// Keycloak (e2e/providers/keycloak.ts): the standard journeys, plus RFC 9207's `iss` in the
// authorization response, and what an app with an `apis` entry that has a `resource` sees there.
import { type BrowserContext, expect, test } from '@playwright/test'
import {
  authFetchOutcome,
  callApi,
  expectStatus,
  metadataOf,
  openApp,
  openBrowser,
  providerJourneys,
  providerLog,
  signIn,
} from './providers/journey.js'
import { REPORTS_API } from './providers/urls.js'

providerJourneys('keycloak', {
  afterDpopSignIn({ log, callbackUrl }) {
    // The realm's issuer comes back with the code (Keycloak advertises
    // authorization_response_iss_parameter_supported), and no nonce round trip is needed.
    const iss = new URL(callbackUrl).searchParams.get('iss')
    expect(iss).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/latchkey$/)
    expect(log.token.map(({ grant_type, status }) => [grant_type, status])).toEqual([
      ['authorization_code', 200],
    ])
  },
})

/** The resource of the app's second API (REPORTS_API, which has no Keycloak API: nothing may go there). */
const REPORTS_RESOURCE = 'https://reports.example.com'

test.describe('keycloak with apis', () => {
  let context: BrowserContext | undefined
  test.afterEach(async () => {
    await context?.close()
    context = undefined
  })

  // Keycloak ignores `resource` unless its experimental resource-indicators feature is on (see
  // keycloak.ts), so the entry's token comes back for the audience the client scopes give:
  // the SDK refuses to send it, and says which entry to change, before any request to the API.
  test('an apis entry with a resource: the sign-in works, authFetch to it rejects with config_invalid and sends nothing', async () => {
    context = await openBrowser(test.info().outputPath('profile'), 'allowed')
    const page = await context.newPage()
    const { authorization_endpoint: authorize, token_endpoint: token } =
      await metadataOf('keycloak')
    const authorizations: URL[] = []
    const refreshes: URLSearchParams[] = []
    const toReports: string[] = []
    context.on('request', (request) => {
      const url = new URL(request.url())
      if (`${url.origin}${url.pathname}` === authorize) authorizations.push(url)
      const form = new URLSearchParams(request.postData() ?? '')
      if (request.url() === token && form.get('grant_type') === 'refresh_token') {
        refreshes.push(form)
      }
      if (url.origin === REPORTS_API) toReports.push(request.url())
    })

    await openApp(page, 'keycloak', { apis: [{ origin: REPORTS_API, resource: REPORTS_RESOURCE }] })
    await signIn(page, 'keycloak')
    // The authorization request asked for the entry's resource, and Keycloak signed the user in
    // as if it had not.
    expect(authorizations.map((url) => url.searchParams.getAll('resource'))).toEqual([
      [REPORTS_RESOURCE],
    ])
    const from = (await providerLog('keycloak')).token.length

    const outcome = await authFetchOutcome(page, `${REPORTS_API}/monthly`)
    expect(outcome).toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('ignored the `resource` of `apis[0]`'),
    })
    // It names the audience Keycloak chose: the one its Audience mapper adds.
    expect(outcome.message).toContain('the token it issued is for latchkey-api')

    // The session goes on: still signed in, and the main API answers.
    await expectStatus(page, 'authenticated')
    expect(await callApi(page, '/keycloak/me')).toMatchObject({
      status: 200,
      body: { sub: 'alice', scheme: 'DPoP' },
    })
    // One refresh grant for the entry, with its resource, which Keycloak answered as if it had
    // none; nothing went to the reports API.
    expect(refreshes.map((form) => form.getAll('resource'))).toEqual([[REPORTS_RESOURCE]])
    const since = (await providerLog('keycloak')).token.slice(from)
    expect(since.map(({ grant_type, status }) => [grant_type, status])).toEqual([
      ['refresh_token', 200],
    ])
    expect(since[0]).toMatchObject({ rotated: true, presentedStillHonoured: false })
    expect(toReports).toEqual([])

    // The refresh token that grant rotated to was kept: the main token's own refresh works.
    await page.evaluate(() => window.lab.getAccessToken({ forceRefresh: true }))
    expect((await providerLog('keycloak')).token.at(-1)).toMatchObject({
      grant_type: 'refresh_token',
      status: 200,
    })
    await expectStatus(page, 'authenticated')
  })
})
