// Step-up authentication (RFC 9470): an API's insufficient_user_authentication challenge, what
// authFetch makes of it with and without the `stepUp` option, and the ID-token checks of the
// sign-in that answers it.
import './linked.js'
import { describe, expect, it, vi } from 'vitest'
import type { AuthContext } from '../first/context.js'
import { createAuth } from '../first/createAuth.js'
import { AuthError } from '../first/errors.js'
import { createSender } from '../protocol/send.js'
import { API, config, fakeWorld, rejection } from './fakeWorld.js'

const base = { ...config, apiOrigins: [API], autoRefresh: false }

/** A 401 step-up challenge in `scheme` with `params` (e.g. `max_age=60`). */
const stepUpChallenge =
  (params: string, scheme = 'Bearer', status = 401) =>
  () =>
    new Response(null, {
      status,
      headers: {
        'www-authenticate': `${scheme} realm="api", error="insufficient_user_authentication", error_description="a more recent sign-in is needed", ${params}`,
      },
    })

describe('an insufficient_user_authentication challenge, without stepUp', () => {
  it('rejects with step_up_required carrying acr_values and max_age, and sends nothing else', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(base, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    world.apiAnswers.push(stepUpChallenge('acr_values="urn:mfa urn:hwk", max_age=60'))

    const error = await rejection(auth.authFetch(`${API}/recent`))
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toMatchObject({
      code: 'step_up_required',
      acrValues: ['urn:mfa', 'urn:hwk'],
      maxAge: 60,
      status: 401,
      error: 'insufficient_user_authentication',
      error_description: 'a more recent sign-in is needed',
      message: expect.stringMatching(/acr_values "urn:mfa urn:hwk".*max_age 60.*stepUp/),
    })
    expect(world.api).toHaveLength(1)
    expect(world.tokenRequests).toHaveLength(1) // the code exchange: no refresh
    expect(tab.navigations).toHaveLength(1) // the sign-in: no new one
    // A failed call is the caller's: the signed-in state is untouched.
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null })
  })

  it('reads the DPoP scheme for a DPoP-bound token, with max_age alone', async () => {
    const world = fakeWorld({ dpop: true })
    const tab = world.tab()
    const auth = createAuth(base, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    world.apiAnswers.push(stepUpChallenge('max_age=0, algs="ES256"', 'DPoP'))

    const error = await rejection(auth.authFetch(`${API}/recent`))
    expect(error).toMatchObject({ code: 'step_up_required', maxAge: 0 })
    expect(error.acrValues).toBeUndefined()
  })

  it("leaves other answers as they were: a 403 with the same error is the API's answer", async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth(base, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    world.apiAnswers.push(stepUpChallenge('max_age=60', 'Bearer', 403))
    expect((await auth.authFetch(`${API}/recent`)).status).toBe(403)
  })
})

describe("stepUp: 'redirect'", () => {
  async function challenged(claims: Record<string, unknown>, authAge = 0) {
    const world = fakeWorld()
    const tab = world.tab(`${config.redirectUri.replace('/callback', '')}/account?tab=2`)
    const auth = createAuth({ ...base, stepUp: 'redirect' }, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    tab.goTo(`${new URL(config.redirectUri).origin}/account?tab=2`)
    world.apiAnswers.push(stepUpChallenge('acr_values="urn:mfa", max_age=60'))
    const error = await rejection(auth.authFetch(`${API}/recent`))
    world.options.idTokenClaims = claims
    world.options.authAge = authAge
    return { world, tab, auth, error }
  }

  it('signs in again with acr_values and max_age, back to the page, and rejects meanwhile', async () => {
    const { world, tab, auth, error } = await challenged({ acr: 'urn:mfa' })
    expect(error).toMatchObject({ code: 'step_up_required', acrValues: ['urn:mfa'], maxAge: 60 })
    expect(world.api).toHaveLength(1) // not sent again
    const request = new URL(tab.navigations.at(-1) as string).searchParams
    expect(request.get('acr_values')).toBe('urn:mfa')
    expect(request.get('max_age')).toBe('60')
    expect(await auth.handleRedirect(tab.callbackFor())).toEqual({ returnTo: '/account?tab=2' })
    expect(auth.getState().user).toMatchObject({ acr: 'urn:mfa' })
    await auth.authFetch(`${API}/recent`)
    expect(world.api.at(-1)?.authorization).toBe('Bearer at-2')
  })

  it("fails with id_token_invalid when the ID token's acr is another, keeping the session", async () => {
    const { tab, auth } = await challenged({ acr: 'urn:password' })
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error).toMatchObject({
      code: 'id_token_invalid',
      message: expect.stringMatching(/acr_values "urn:mfa".*"urn:password"/),
    })
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error })
    expect(await auth.getAccessToken()).toBe('at-1')
  })

  it('fails with id_token_invalid when the ID token has no acr', async () => {
    const { tab, auth } = await challenged({})
    expect(await rejection(auth.handleRedirect(tab.callbackFor()))).toMatchObject({
      code: 'id_token_invalid',
      message: /acr is missing/,
    })
  })

  it('fails with id_token_invalid when auth_time is older than max_age (and the tolerance)', async () => {
    const { tab, auth } = await challenged({ acr: 'urn:mfa' }, 600)
    expect(await rejection(auth.handleRedirect(tab.callbackFor()))).toMatchObject({
      code: 'id_token_invalid',
      message: /auth_time|authentication/,
    })
  })
})

describe('login({ acrValues })', () => {
  it.each([[[]], [['two words']], [[1]], ['urn:mfa']])(
    'refuses %j before navigating',
    async (acrValues) => {
      const tab = fakeWorld().tab()
      const auth = createAuth(config, tab.platform)
      const error = await rejection(auth.login({ acrValues: acrValues as string[] }))
      expect(error).toMatchObject({ code: 'invalid_argument', message: /acrValues/ })
      expect(tab.navigations).toEqual([])
    },
  )
})

describe("the sender's step-up, with a fake client", () => {
  function setup(answers: Array<() => Response>, stepUp: unknown = 'popup') {
    const sent: string[] = []
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get('authorization') ?? '')
      return answers.shift()?.() ?? Response.json({ ok: true })
    })
    let token = 'token-1'
    const loginWithPopup = vi.fn(async () => {
      token = 'token-2'
    })
    const login = vi.fn(async () => undefined)
    const emit = vi.fn()
    const client = { cfg: { stepUp }, signIn: { login, loginWithPopup }, emit } as unknown
    const send = createSender(fetch as typeof globalThis.fetch, client as AuthContext)
    const call = () =>
      send(new URL(`${API}/recent`), `${API}/recent`, undefined, async () => ({
        token,
        dpop: undefined,
      }))
    return { call, sent, loginWithPopup, login, emit }
  }

  it('popup: signs in again with what was asked, then sends the request once more', async () => {
    const { call, sent, loginWithPopup, emit } = setup([
      stepUpChallenge('acr_values="urn:mfa", max_age=30'),
    ])
    expect((await call()).status).toBe(200)
    expect(loginWithPopup).toHaveBeenCalledTimes(1)
    expect(loginWithPopup).toHaveBeenCalledWith({ acrValues: ['urn:mfa'], maxAge: 30 })
    expect(sent).toEqual(['Bearer token-1', 'Bearer token-2'])
    expect(emit).toHaveBeenCalledWith({
      step: 'step_up',
      via: 'popup',
      params: { acr_values: ['urn:mfa'], max_age: 30 },
    })
  })

  it('steps up once per call: a second challenge rejects with step_up_required', async () => {
    const challenge = stepUpChallenge('max_age=30')
    const { call, sent, loginWithPopup } = setup([challenge, challenge, challenge])
    expect(await rejection(call())).toMatchObject({ code: 'step_up_required', maxAge: 30 })
    expect(loginWithPopup).toHaveBeenCalledTimes(1)
    expect(sent).toHaveLength(2)
  })

  it('rejects with what the popup sign-in rejects with, and sends nothing more', async () => {
    const { call, sent, loginWithPopup } = setup([stepUpChallenge('max_age=30')])
    loginWithPopup.mockRejectedValueOnce(new AuthError('popup_blocked', 'blocked'))
    expect((await rejection(call())).code).toBe('popup_blocked')
    expect(sent).toHaveLength(1)
  })

  it('does not step up for a challenge that names neither acr_values nor max_age', async () => {
    const { call, loginWithPopup, emit } = setup([stepUpChallenge('scope="api"')])
    const error = await rejection(call())
    expect(error).toMatchObject({
      code: 'step_up_required',
      acrValues: undefined,
      maxAge: undefined,
    })
    expect(loginWithPopup).not.toHaveBeenCalled()
    expect(emit).toHaveBeenCalledWith({ step: 'step_up', params: {} })
  })

  it('redirect: starts login() with what was asked and rejects, sending nothing more', async () => {
    const { call, sent, login } = setup([stepUpChallenge('acr_values="urn:mfa"')], 'redirect')
    expect(await rejection(call())).toMatchObject({ code: 'step_up_required' })
    expect(login).toHaveBeenCalledWith({ acrValues: ['urn:mfa'], maxAge: undefined })
    expect(sent).toHaveLength(1)
  })

  it('refuses a stepUp that is none of its values with config_invalid', async () => {
    const { call, loginWithPopup } = setup([stepUpChallenge('max_age=30')], 'Popup')
    expect(await rejection(call())).toMatchObject({ code: 'config_invalid', message: /stepUp/ })
    expect(loginWithPopup).not.toHaveBeenCalled()
  })

  it('without a client (Node, @latchkey/m2m), rejects with step_up_required', async () => {
    const send = createSender(async () => stepUpChallenge('max_age=30')())
    const error = await rejection(
      send(new URL(`${API}/x`), `${API}/x`, undefined, async () => ({
        token: 't',
        dpop: undefined,
      })),
    )
    expect(error).toMatchObject({ code: 'step_up_required', maxAge: 30 })
  })
})
