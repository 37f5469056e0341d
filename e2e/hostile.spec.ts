// The adversarial suite: real Chromium runs the SDK (built from source) against an authorization
// server that lies, forges and stalls on purpose (e2e/hostile/server.ts). Each refusal must be a
// typed AuthError with nothing stored, and a bad callback must not reach the token endpoint.
import { expect, test } from '@playwright/test'
import {
  expectCleanAddressBar,
  expectNoSecrets,
  expectRefused,
  handleCallback,
  hostileConfig,
  hostileLog,
  openHarness,
  setScenario,
  startLogin,
  storedSessionKeys,
} from './hostile/harness.js'
import {
  AS1,
  AS2,
  CALLBACK,
  HOSTILE_CLIENT_ID,
  type IdTokenTamper,
  type Scenario,
} from './hostile/scenario.js'

const HOSTILE_HTML = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'

/** Signs in through the hostile server as `scenario` says and handles the callback. */
async function signInAgainst(
  page: Parameters<typeof startLogin>[0],
  scenario: Scenario,
  overrides: Parameters<typeof hostileConfig>[0] = {},
) {
  await setScenario(scenario)
  const config = hostileConfig(overrides)
  await startLogin(page, config)
  return handleCallback(page, config)
}

test('control: a well-behaved server signs the user in, and only then is a session stored', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, {})
  expect(outcome.failure).toBeNull()
  expect(outcome).toMatchObject({ ok: true, status: 'authenticated', tokenAfter: 'token' })
  expect(outcome.user?.sub).toBe('alice')
  expectCleanAddressBar(outcome)
  expect(await storedSessionKeys(page)).toEqual([
    `latchkey:${new URL(AS1).href}:${HOSTILE_CLIENT_ID}:session`,
  ])

  const log = await hostileLog()
  expect(log.authorize).toHaveLength(1)
  expect(log.authorize[0]?.params).toMatchObject({
    redirect_uri: CALLBACK,
    code_challenge_method: 'S256',
    client_id: HOSTILE_CLIENT_ID,
  })
  expect(log.token).toHaveLength(1)
  expect(log.token[0]).toMatchObject({
    issuer: AS1,
    dpop: false,
    status: 200,
    form: { grant_type: 'authorization_code', redirect_uri: CALLBACK },
  })
  expect(log.token[0]?.form.code).toMatch(/^CODE-SECRET-/)
  expect(log.token[0]?.form.code_verifier?.length).toBeGreaterThanOrEqual(43)
})

test('a callback with a wrong iss is refused with issuer_mismatch and no token request', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { callback: { iss: 'https://evil.example' } })
  await expectRefused(page, outcome, 'issuer_mismatch')
  expect((await hostileLog()).token).toEqual([])
})

test('a callback without iss from a server that promises one is refused with issuer_mismatch', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { callback: { iss: null } })
  await expectRefused(page, outcome, 'issuer_mismatch')
  expect((await hostileLog()).token).toEqual([])
})

test('metadata naming another issuer stops login() with issuer_mismatch before any redirect', async ({
  page,
}) => {
  await setScenario({ metadataIssuer: AS2 })
  await openHarness(page)
  const result = await page.evaluate(async (config) => {
    const auth = window.Latchkey.createAuth(config)
    try {
      await auth.login()
      return { code: 'none', status: auth.getState().status, href: location.href }
    } catch (caught) {
      const error = caught as Error & { code: string }
      return {
        code: error.code,
        isAuthError: error instanceof window.Latchkey.AuthError,
        status: auth.getState().status,
        href: location.href,
      }
    }
  }, hostileConfig())
  expect(result.code).toBe('issuer_mismatch')
  expect(result).toMatchObject({ isAuthError: true, href: page.url() })
  expect(page.url()).toMatch(/\/app\/$/)
  expect((await hostileLog()).authorize).toEqual([])
  expect(result.status).toBe('error')
})

test('mix-up: a callback from as2 for a login started with as1 is refused with issuer_mismatch', async ({
  page,
}) => {
  // as1 forwards the browser to as2, which answers with its own code and iss=as2 (same state).
  const outcome = await signInAgainst(page, { callback: { forwardTo: 'as2' } })
  const log = await hostileLog()
  expect(log.authorize.map((request) => request.issuer)).toEqual([AS1, AS2])
  await expectRefused(page, outcome, 'issuer_mismatch')
  expect((await hostileLog()).token).toEqual([])
})

test('mix-up: the as2 client does not accept a callback whose transaction belongs to as1', async ({
  page,
}) => {
  await setScenario({ callback: { forwardTo: 'as2' } })
  await startLogin(page, hostileConfig())
  // An app with two issuers that routes the callback by its iss hands it to the as2 client.
  const outcome = await handleCallback(page, hostileConfig({ issuer: AS2 }))
  await expectRefused(page, outcome, 'transaction_missing')
  expect((await hostileLog()).token).toEqual([])
})

test('a callback with a forged state is refused with state_mismatch and no token request', async ({
  page,
}) => {
  await setScenario({})
  const config = hostileConfig()
  await startLogin(page, config) // a real login is pending in this browser
  await page.goto(`${CALLBACK}?code=CODE-SECRET-forged&state=forged-state&iss=${AS1}`)
  await page.waitForFunction(() => window.harnessReady === true)
  const outcome = await handleCallback(page, config)
  await expectRefused(page, outcome, 'state_mismatch')
  expect((await hostileLog()).token).toEqual([])
})

test('a replayed callback is refused with transaction_missing and no second token request', async ({
  page,
}) => {
  await setScenario({})
  // A session in memory only, so that "nothing stored" below is about the replay.
  const config = hostileConfig({ storage: 'memory' })
  const landed = page.waitForRequest((request) => request.url().startsWith(`${CALLBACK}?`))
  await startLogin(page, config)
  const callbackUrl = (await landed).url()
  expect((await handleCallback(page, config)).ok).toBe(true)
  expect((await hostileLog()).token).toHaveLength(1)

  await page.goto(callbackUrl)
  await page.waitForFunction(() => window.harnessReady === true)
  const outcome = await handleCallback(page, config)
  await expectRefused(page, outcome, 'transaction_missing')
  expect((await hostileLog()).token).toHaveLength(1)
})

for (const duplicate of ['code', 'state', 'iss'] as const) {
  test(`a callback with a duplicated ${duplicate} is refused with invalid_callback and no token request`, async ({
    page,
  }) => {
    const outcome = await signInAgainst(page, { callback: { duplicate } })
    await expectRefused(page, outcome, 'invalid_callback')
    expect((await hostileLog()).token).toEqual([])
  })
}

test('a callback with both code and error is refused with invalid_callback and no token request', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, {
    callback: { error: 'access_denied', codeWithError: true },
  })
  await expectRefused(page, outcome, 'invalid_callback')
  expect((await hostileLog()).token).toEqual([])
})

test('access_denied with script in error_description is authorization_denied, kept as text only', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, {
    callback: { error: 'access_denied', errorDescription: HOSTILE_HTML },
  })
  await expectRefused(page, outcome, 'authorization_denied')
  expect(outcome.failure).toMatchObject({ error: 'access_denied', errorDescription: HOSTILE_HTML })
  expect(outcome.failure?.message).toContain(HOSTILE_HTML)
  expect((await hostileLog()).token).toEqual([])
  await page.waitForTimeout(200) // give a rendered onerror handler the time to run
  expect(await page.evaluate(() => window.pwned)).toBeUndefined()
  expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0)
  // The harness renders nothing: its body holds only the script that loads the SDK.
  expect(
    await page.evaluate(() => [...document.body.children].map((node) => node.tagName)),
  ).toEqual(['SCRIPT'])
})

const ID_TOKEN_TAMPERS: Array<[string, IdTokenTamper]> = [
  ['a wrong nonce', { nonce: 'not-the-nonce-of-this-login' }],
  ['a wrong aud', { aud: 'another-client' }],
  ['an extra aud and no azp', { aud: [HOSTILE_CLIENT_ID, 'another-client'], azp: null }],
  [
    'an extra aud and a wrong azp',
    { aud: [HOSTILE_CLIENT_ID, 'another-client'], azp: 'another-client' },
  ],
  ['a wrong iss', { iss: AS2 }],
  ['an expired exp', { expIn: -600 }],
  ['an iat one hour in the future', { iatIn: 3600, expIn: 7200 }],
  ['alg none (unsigned)', { alg: 'none' }],
  ['HS256 (signed with a shared secret)', { alg: 'HS256' }],
]

for (const [what, idToken] of ID_TOKEN_TAMPERS) {
  test(`an ID token with ${what} is refused with id_token_invalid`, async ({ page }) => {
    const outcome = await signInAgainst(page, { idToken })
    await expectRefused(page, outcome, 'id_token_invalid')
    const log = await hostileLog()
    expect(log.token.map((request) => [request.form.grant_type, request.status])).toEqual([
      ['authorization_code', 200],
    ])
  })
}

// Policy (docs/security.md): signatures of ID tokens that come straight from the token endpoint
// are not verified; TLS authenticates that endpoint (OpenID Connect Core 3.1.3.7). This test pins
// the policy so that changing it is a visible decision; the claims are checked all the same.
test('an ID token with valid claims but a bad signature is accepted, as documented', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { idToken: { badSignature: true } })
  expect(outcome.failure).toBeNull()
  expect(outcome).toMatchObject({ status: 'authenticated' })
})

test('a 200 token response without access_token is refused with token_request_failed', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { token: { omitAccessToken: true } })
  await expectRefused(page, outcome, 'token_request_failed')
  expect((await hostileLog()).token).toHaveLength(1)
})

test('control: with DPoP advertised, the code exchange carries a proof and gets a DPoP token', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { dpop: true }, { dpop: 'auto' })
  expect(outcome.failure).toBeNull()
  expect(outcome).toMatchObject({ status: 'authenticated', dpop: true })
  const log = await hostileLog()
  expect(log.authorize[0]?.params.dpop_jkt).toBeTruthy()
  expect(log.token.map((request) => request.dpop)).toEqual([true])
})

test('a Bearer access token for a DPoP request is used as Bearer: only the refresh token is bound (RFC 9449 section 5)', async ({
  page,
}) => {
  const outcome = await signInAgainst(
    page,
    { dpop: true, token: { tokenType: 'Bearer' } },
    { dpop: 'auto' },
  )
  expect(outcome.failure).toBeNull()
  expect(outcome).toMatchObject({ status: 'authenticated', dpop: false })
  expect((await hostileLog()).token.map((request) => request.dpop)).toEqual([true])
})

test('a DPoP token where a Bearer one was requested is refused with token_request_failed', async ({
  page,
}) => {
  const outcome = await signInAgainst(
    page,
    { dpop: true, token: { tokenType: 'DPoP' } },
    { dpop: false },
  )
  await expectRefused(page, outcome, 'token_request_failed')
  expect((await hostileLog()).token.map((request) => request.dpop)).toEqual([false])
})

test('a token error with script in error_description is token_request_failed, kept as text only', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, {
    token: { error: { status: 400, error: 'invalid_grant', errorDescription: HOSTILE_HTML } },
  })
  await expectRefused(page, outcome, 'token_request_failed')
  expect(outcome.failure).toMatchObject({ error: 'invalid_grant', errorDescription: HOSTILE_HTML })
  expect(outcome.failure?.message).toContain(HOSTILE_HTML)
  await page.waitForTimeout(200)
  expect(await page.evaluate(() => window.pwned)).toBeUndefined()
  expect(await page.evaluate(() => document.querySelectorAll('img').length)).toBe(0)
})

test('a refresh whose ID token names another user ends the session with session_expired', async ({
  page,
}) => {
  const signedIn = await signInAgainst(page, {})
  expect(signedIn).toMatchObject({ ok: true, status: 'authenticated', user: { sub: 'alice' } })
  expect(await storedSessionKeys(page)).toHaveLength(1)

  await setScenario({ refreshIdToken: { sub: 'mallory' } })
  const result = await page.evaluate(async () => {
    const auth = window.auth
    if (auth === undefined) throw new Error('no client on the page')
    const code = await auth.getAccessToken({ forceRefresh: true }).then(
      () => 'token',
      (error: { code?: string }) => String(error.code),
    )
    const state = auth.getState()
    const after = await auth.getAccessToken().then(
      () => 'token',
      (error: { code?: string }) => String(error.code),
    )
    return { code, status: state.status, errorCode: state.error?.code, user: state.user, after }
  })
  expect(result).toEqual({
    code: 'session_expired',
    status: 'unauthenticated',
    errorCode: 'session_expired',
    user: null,
    after: 'login_required',
  })
  expect(await storedSessionKeys(page)).toEqual([])
  const log = await hostileLog()
  expect(log.token.map((request) => [request.form.grant_type, request.status])).toEqual([
    ['refresh_token', 200],
  ])
})

test('a token endpoint slower than timeoutMs fails the sign-in with timeout', async ({ page }) => {
  const outcome = await signInAgainst(page, { token: { delayMs: 5000 } }, { timeoutMs: 1000 })
  await expectRefused(page, outcome, 'timeout')
})

test('a token endpoint that drops the connection fails the sign-in with network_error', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { token: { drop: true } })
  await expectRefused(page, outcome, 'network_error')
  // Chromium itself resends a request whose reused keep-alive connection closed: 2 are logged.
  expect((await hostileLog()).token.length).toBeGreaterThanOrEqual(1)
})

test('serialised errors hold no code, verifier or token, even after a full token response', async ({
  page,
}) => {
  const outcome = await signInAgainst(page, { idToken: { nonce: 'wrong' } })
  expect(outcome.failure?.code).toBe('id_token_invalid')
  const log = await hostileLog()
  const request = log.token[0]
  const secrets = [
    request?.form.code,
    request?.form.code_verifier,
    request?.tokens?.access_token,
    request?.tokens?.refresh_token,
    request?.tokens?.id_token,
  ]
  expect(secrets.every((secret) => typeof secret === 'string' && secret.length >= 20)).toBe(true)
  const failure = outcome.failure
  for (const text of [failure?.json, failure?.str, failure?.stack, outcome.stateError]) {
    expect(typeof text).toBe('string')
    for (const secret of secrets) expect(text).not.toContain(secret as string)
  }
  expectNoSecrets(outcome, log)
})

for (const dpop of [false, true]) {
  test(`authFetch does not carry the ${dpop ? 'DPoP' : 'Bearer'} token through a redirect to another origin`, async ({
    page,
  }) => {
    const outcome = await signInAgainst(page, dpop ? { dpop: true } : {}, {
      dpop: dpop ? 'auto' : false,
    })
    expect(outcome).toMatchObject({ status: 'authenticated', dpop })
    const statuses = await page.evaluate(async () => {
      const via = (to: string) => `/__hostile/redirect?to=${encodeURIComponent(to)}`
      const auth = window.auth
      if (auth === undefined) throw new Error('no signed-in client on the page')
      const sameOrigin = await auth.authFetch(via('http://localhost:4100/__hostile/echo'))
      const otherOrigin = await auth.authFetch(via('http://127.0.0.1:4100/__hostile/echo'))
      return [sameOrigin.status, otherOrigin.status]
    })
    expect(statuses).toEqual([200, 200])
    const echo = (await hostileLog()).echo.filter((record) => record.method === 'GET')
    // Control: a redirect within the origin keeps the token, so the check below can see one.
    expect(echo.filter((record) => record.host === 'localhost:4100')).toEqual([
      expect.objectContaining({ authorization: true }),
    ])
    expect(echo.filter((record) => record.host === '127.0.0.1:4100')).toEqual([
      expect.objectContaining({ authorization: false }),
    ])
  })
}
