// What the providers apps sign in with need of the client: parameters on every authorization
// request, logout for every provider style with its hints, Entra ID's multi-tenant issuers, and
// errors that say what a provider requires. The browser journeys are in e2e/providers.*.spec.ts.
import { describe, expect, it } from 'vitest'
import { createAuth } from '../first/createAuth.js'
import type { AuthEvent } from '../protocol/events.js'
import { APP, config, fakeWorld, ISSUER, rejection, settle } from './fakeWorld.js'
import { signIn } from './tabs.js'

const lastNavigation = (tab: { navigations: string[] }) => new URL(tab.navigations.at(-1) ?? '')

describe('authorizationParams', () => {
  it('go with every authorization request, and a call’s params merge over them', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(
      { ...config, authorizationParams: { audience: 'https://api.example.com', ui_locales: 'de' } },
      tab.platform,
    )
    await auth.login()
    expect(lastNavigation(tab).searchParams.get('audience')).toBe('https://api.example.com')
    expect(lastNavigation(tab).searchParams.get('ui_locales')).toBe('de')
    await auth.login({ params: { ui_locales: 'fr' } })
    expect(lastNavigation(tab).searchParams.get('audience')).toBe('https://api.example.com')
    expect(lastNavigation(tab).searchParams.get('ui_locales')).toBe('fr')
  })

  it('cannot set what the SDK sets: refused with the same words as login() params', async () => {
    const world = fakeWorld()
    const configured = createAuth(
      { ...config, authorizationParams: { scope: 'openid admin' } },
      world.tab().platform,
    )
    const fromConfig = await rejection(configured.login())
    expect(fromConfig.code).toBe('config_invalid')
    const perCall = await rejection(
      createAuth(config, world.tab().platform).login({ params: { scope: 'openid admin' } }),
    )
    expect(perCall.code).toBe('invalid_argument')
    const reason = (message: string) => message.slice(message.indexOf('cannot set'))
    expect(reason(fromConfig.message)).toBe(reason(perCall.message))
    expect(fromConfig.message).toMatch(/`authorizationParams` cannot set "scope"/)
    const notString = await rejection(
      createAuth(
        { ...config, authorizationParams: { audience: 1 as unknown as string } },
        world.tab().platform,
      ).login(),
    )
    expect(notString).toMatchObject({ code: 'config_invalid', message: /to a non-string/ })
  })
})

describe('logout', () => {
  it('sends RP-Initiated Logout with id_token_hint and logout_hint from the login_hint claim', async () => {
    // Entra ID's optional claim `login_hint` is what its logout takes as `logout_hint`.
    const world = fakeWorld({ idTokenClaims: { login_hint: 'O.aHint' } })
    const { tab, auth } = await signIn(world, {
      logoutParams: { ui_locales: 'de', state: 'x' },
    })
    await auth.logout({ params: { state: 'y' } })
    const url = lastNavigation(tab)
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/session/end`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'spa',
      id_token_hint: expect.stringMatching(/^eyJ/),
      logout_hint: 'O.aHint',
      ui_locales: 'de',
      state: 'y',
      post_logout_redirect_uri: `${APP}/`,
    })
  })

  it('sends no logout_hint without the claim', async () => {
    const { tab, auth } = await signIn(fakeWorld())
    await auth.logout()
    expect(lastNavigation(tab).searchParams.has('logout_hint')).toBe(false)
    expect(lastNavigation(tab).searchParams.has('id_token_hint')).toBe(true)
  })

  it('goes to a configured endpoint with its own return parameter and no hints (legacy Auth0)', async () => {
    const world = fakeWorld({ endSession: false, idTokenClaims: { login_hint: 'O.aHint' } })
    const { tab, auth } = await signIn(world, {
      endSessionEndpoint: `${ISSUER}/v2/logout`,
      logoutReturnToParam: 'returnTo',
    })
    await auth.logout({ returnTo: '/bye' })
    const url = lastNavigation(tab)
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/v2/logout`)
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'spa',
      returnTo: `${APP}/bye`,
    })
  })

  it('replaces the metadata’s endpoint when configured, Cognito style', async () => {
    const { tab, auth } = await signIn(fakeWorld(), {
      endSessionEndpoint: 'https://auth.example.com/logout',
      logoutReturnToParam: 'logout_uri',
    })
    await auth.logout()
    expect(lastNavigation(tab).href).toBe(
      `https://auth.example.com/logout?client_id=spa&logout_uri=${encodeURIComponent(`${APP}/`)}`,
    )
  })

  it('without any end-session endpoint signs out here, warns once and reports the step', async () => {
    const world = fakeWorld({ endSession: false })
    const events: AuthEvent[] = []
    const { tab, auth } = await signIn(world, { onEvent: (event) => events.push(event) })
    const before = tab.navigations.length
    await auth.logout()
    expect(auth.getState().status).toBe('unauthenticated')
    expect(tab.navigations).toHaveLength(before)
    expect(tab.warnings.filter((w) => /endSessionEndpoint/.test(w))).toHaveLength(1)
    await settle()
    expect(events.map((event) => event.step)).toContain('end_session_unavailable')
    expect(events.find((e) => e.step === 'end_session_unavailable')?.title).toMatch(
      /endSessionEndpoint/,
    )
    // Signed in again and out again: the console has heard it already.
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    await auth.logout()
    expect(tab.warnings.filter((w) => /endSessionEndpoint/.test(w))).toHaveLength(1)
  })

  it('refuses params it owns before anything is cleared', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    const error = await rejection(auth.logout({ params: { id_token_hint: 'forged' } }))
    expect(error).toMatchObject({ code: 'invalid_argument', message: /"id_token_hint"/ })
    expect(auth.getState().status).toBe('authenticated')
    const returnTo = await rejection(
      (await signIn(world, { logoutReturnToParam: 'returnTo' })).auth.logout({
        params: { returnTo: 'https://evil.example/' },
      }),
    )
    expect(returnTo.code).toBe('invalid_argument')
  })

  it('refuses a bad endSessionEndpoint with config_invalid', async () => {
    const { auth } = await signIn(fakeWorld(), { endSessionEndpoint: 'http://id.example.com/x' })
    expect((await rejection(auth.logout())).code).toBe('config_invalid')
  })
})

// https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc: the /common,
// /organizations and /consumers metadata names https://login.microsoftonline.com/{tenantid}/v2.0;
// each token's iss has its own tenant's id, which its `tid` claim carries.
describe('Entra ID multi-tenant issuers', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47'
  const OTHER = '9188040d-6c67-4c5b-b112-36a304b66dad'
  const common = { ...config, issuer: `${ISSUER}/common/v2.0` }
  const entra = (tid: string | undefined, iss = `${ISSUER}/${tid}/v2.0`) =>
    fakeWorld({
      issuerPath: '/common/v2.0',
      metadataIssuer: `${ISSUER}/{tenantid}/v2.0`,
      issParameter: false,
      idTokenIssuer: iss,
      idTokenClaims: tid === undefined ? {} : { tid },
    })
  async function signInTo(world: ReturnType<typeof fakeWorld>, extra = {}) {
    const tab = world.tab()
    const auth = createAuth({ ...common, ...extra }, tab.platform)
    await auth.login()
    return { auth, outcome: auth.handleRedirect(tab.callbackFor()) }
  }

  it('without the opt-in fail discovery with an error that names it', async () => {
    const error = await rejection(createAuth(common, entra(TENANT).tab().platform).login())
    expect(error.code).toBe('issuer_mismatch')
    expect(error.message).toMatch(/\{tenantid\}.*`multiTenant: true`/)
  })

  it('with multiTenant accept an ID token whose iss is its own tenant’s', async () => {
    const { auth, outcome } = await signInTo(entra(TENANT), { multiTenant: true })
    await outcome
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { tid: TENANT } })
  })

  it.each([
    ['another tenant’s iss', entra(TENANT, `${ISSUER}/${OTHER}/v2.0`)],
    ['the template itself', entra(TENANT, `${ISSUER}/{tenantid}/v2.0`)],
    ['no tid', entra(undefined, `${ISSUER}/${TENANT}/v2.0`)],
    ['a tid that is no tenant id', entra('../x', `${ISSUER}/../x/v2.0`)],
  ])('refuse %s', async (_, world) => {
    const { auth, outcome } = await signInTo(world, { multiTenant: true })
    expect((await rejection(outcome)).code).toBe('id_token_invalid')
    expect(auth.getState().status).toBe('error')
  })

  it('with a tenant list refuse the others', async () => {
    const { outcome } = await signInTo(entra(TENANT), { multiTenant: { tenants: [OTHER] } })
    const error = await rejection(outcome)
    expect(error).toMatchObject({
      code: 'id_token_invalid',
      message: expect.stringContaining(TENANT),
    })
    const allowed = await signInTo(entra(TENANT), { multiTenant: { tenants: [OTHER, TENANT] } })
    await allowed.outcome
    expect(allowed.auth.getState().status).toBe('authenticated')
  })

  it('loosen nothing else: a single-tenant issuer with multiTenant fails discovery', async () => {
    const error = await rejection(
      createAuth({ ...config, multiTenant: true }, fakeWorld().tab().platform).login(),
    )
    expect(error.code).toBe('issuer_mismatch')
  })

  it('refuse a multiTenant that is neither true nor { tenants }', async () => {
    const auth = createAuth(
      { ...common, multiTenant: { tenants: 'all' } as unknown as { tenants: string[] } },
      entra(TENANT).tab().platform,
    )
    expect((await rejection(auth.login())).code).toBe('config_invalid')
  })
})

describe('providers that cannot work with a public client', () => {
  // https://developers.google.com/identity/protocols/oauth2/web-server#exchange-authorization-code:
  // a Web application client sends client_secret with the code; without it Google answers
  // invalid_request "client_secret is missing.".
  it.each([
    { status: 400, error: 'invalid_request', description: 'client_secret is missing.' },
    { status: 401, error: 'invalid_client', description: 'Client authentication failed.' },
  ])('a token endpoint that wants a secret ($error) says so in plain words', async (fault) => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login()
    world.faults.push(fault)
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error).toMatchObject({
      code: 'token_request_failed',
      error: fault.error,
      status: fault.status,
    })
    expect(error.message).toMatch(/confidential client/)
    expect(error.message).toMatch(/public client/)
    expect(error.message).toMatch(/docs\/guides\/providers\.md/)
  })

  it('an ordinary refused code is not called a secret problem', async () => {
    const world = fakeWorld({ codeStatus: 400 })
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login()
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error).toMatchObject({ code: 'token_request_failed', error: 'invalid_grant' })
    expect(error.message).not.toMatch(/confidential/)
  })

  // RFC 6749 section 4.1.2.1's invalid_scope; Amazon Cognito answers an app client without
  // offline_access with error=invalid_request&error_description=invalid_scope (seen in
  // https://github.com/mlops-club/awscdk-minecraft/issues/40).
  it.each([
    { error: 'invalid_scope' },
    { error: 'invalid_request', error_description: 'invalid_scope' },
  ])(
    'a refused scope ($error) names offline_access, which Latchkey asks for by default',
    async (answer) => {
      const world = fakeWorld()
      const tab = world.tab()
      const auth = createAuth(config, tab.platform)
      await auth.login()
      const callback = new URL(tab.callbackFor(answer))
      callback.searchParams.delete('code')
      const error = await rejection(auth.handleRedirect(callback))
      expect(error).toMatchObject({ code: 'authorization_denied', error: answer.error })
      expect(error.message).toMatch(/`offline_access`.*set `scope` without it/)
      expect(world.tokenRequests).toHaveLength(0)
    },
  )

  it('another refused request gets no scope advice', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(config, tab.platform)
    await auth.login()
    const callback = new URL(tab.callbackFor({ error: 'access_denied' }))
    callback.searchParams.delete('code')
    const error = await rejection(auth.handleRedirect(callback))
    expect(error.message).not.toMatch(/scope/)
  })
})
