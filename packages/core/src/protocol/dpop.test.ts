import '../__tests__/linked.js'
import { describe, expect, it } from 'vitest'
import { API, config, fakeWorld, rejection, settle } from '../__tests__/fakeWorld.js'
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { KeyValueStore } from '../first/kv.js'
import { pickDpopAlg } from './dpop.js'

type World = ReturnType<typeof fakeWorld>
const KEY = `latchkey:${config.issuer}/:spa:dpop-key`
const SESSION = `latchkey:${config.issuer}/:spa:session`
const base: Partial<AuthConfig> = { apiOrigins: [API], autoRefresh: false }

async function signIn(world: World, extra: Partial<AuthConfig> = {}) {
  const tab = world.tab()
  const auth = createAuth({ ...config, ...base, ...extra }, tab.platform)
  await auth.login()
  const jkt = new URL(tab.navigations.at(-1) as string).searchParams.get('dpop_jkt')
  await auth.handleRedirect(tab.callbackFor())
  return { tab, auth, jkt }
}

describe('pickDpopAlg', () => {
  it('prefers ES256, else takes the first offered, else none', () => {
    expect(pickDpopAlg(['EdDSA', 'ES256'])).toBe('ES256')
    expect(pickDpopAlg(['EdDSA'])).toBe('EdDSA')
    expect(pickDpopAlg([])).toBeUndefined()
    expect(pickDpopAlg(undefined)).toBeUndefined()
  })
})

describe("dpop: 'auto' with a server that supports DPoP", () => {
  it('binds the code with dpop_jkt, sends proofs to the token endpoint and gets a DPoP token', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth, jkt } = await signIn(world)
    expect(jkt).toMatch(/^[\w-]{43}$/)
    expect(world.tokenProofs[0]).toMatchObject({
      typ: 'dpop+jwt',
      htm: 'POST',
      htu: `${config.issuer}/token`,
    })
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
  })

  it('keeps one non-extractable key in IndexedDB and persists the bound session under auto', async () => {
    const world = fakeWorld({ dpop: true })
    await signIn(world)
    expect((await world.storage.keys()).sort()).toEqual([KEY, SESSION].sort())
    const stored = await world.storage.get<{ keyPair: CryptoKeyPair }>(KEY)
    expect(stored?.keyPair.privateKey.extractable).toBe(false)
    await expect(
      crypto.subtle.exportKey('jwk', stored?.keyPair.privateKey as CryptoKey),
    ).rejects.toThrow()
  })

  it('sends Authorization: DPoP with a fresh proof (htm, htu without query, ath) on every call', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world)
    await auth.authFetch(`${API}/items?page=2#top`, { method: 'PUT', body: 'x' })
    await auth.authFetch(`${API}/items`)
    const [first, second] = world.api
    expect(first?.authorization).toBe('DPoP at-1')
    expect(first?.proof).toMatchObject({ typ: 'dpop+jwt', htm: 'PUT', htu: `${API}/items` })
    expect(first?.proof?.ath).toMatch(/^[\w-]{43}$/)
    expect(second?.proof?.htm).toBe('GET')
    expect(JSON.stringify(first?.proof)).not.toBe(JSON.stringify(second?.proof))
  })

  it('answers a token-endpoint nonce challenge with exactly one retry', async () => {
    const world = fakeWorld({ dpop: true, tokenNonce: true })
    const { auth } = await signIn(world)
    expect(auth.getState().status).toBe('authenticated')
    expect(world.tokenProofs.map((proof) => proof?.nonce)).toEqual([undefined, 'server-nonce'])
  })

  it('answers an API nonce challenge with exactly one retry', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world)
    const challenge = () =>
      new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'api-nonce' },
      })
    world.apiAnswers.push(challenge, challenge)
    const response = await auth.authFetch(`${API}/me`)
    expect(world.api.map((call) => call.proof?.nonce)).toEqual([undefined, 'api-nonce'])
    expect(response.status).toBe(401) // the second challenge is the API's answer: no loop
  })

  it('refreshes with a proof', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world)
    world.advance(250_000)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.tokenProofs[1]).toMatchObject({ htm: 'POST' })
  })

  it('uses a Bearer access token whose refresh token is DPoP-bound (RFC 9449 section 5)', async () => {
    const world = fakeWorld({ dpop: true, tokenType: 'Bearer' })
    const { auth } = await signIn(world)
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: false })
    await auth.authFetch(`${API}/me`)
    expect(world.api[0]).toMatchObject({ authorization: 'Bearer at-1', proof: undefined })
    // The bound refresh token makes the session safe to persist under 'auto'.
    expect((await world.storage.keys()).sort()).toEqual([KEY, SESSION])
    world.advance(250_000)
    expect(await auth.getAccessToken()).toBe('at-2')
    expect(world.tokenProofs[1]).toMatchObject({ htm: 'POST', htu: `${config.issuer}/token` })
    await auth.logout({ localOnly: true })
    expect(world.revoked).toEqual(['rt-2'])
    expect(world.revocationProofs[0]).toMatchObject({ htm: 'POST' })
  })

  it('refuses a DPoP token where a Bearer token was requested', async () => {
    const world = fakeWorld({ dpop: true, tokenType: 'DPoP' })
    const tab = world.tab()
    const auth = createAuth({ ...config, ...base, dpop: false }, tab.platform)
    await auth.login()
    const error = await rejection(auth.handleRedirect(tab.callbackFor()))
    expect(error.code).toBe('token_request_failed')
    expect(error.message).toMatch(/Bearer token was requested/)
    expect(auth.getState().status).toBe('error')
  })

  it('restores the bound session in another tab with the same key', async () => {
    const world = fakeWorld({ dpop: true })
    const { jkt } = await signIn(world)
    const tab = world.tab()
    const other = createAuth({ ...config, ...base }, tab.platform)
    await other.authFetch(`${API}/me`)
    expect(other.getState()).toMatchObject({ status: 'authenticated', dpop: true })
    expect(world.api[0]?.authorization).toBe('DPoP at-1')
    const jwk = world.api[0]?.proof?.jwk as JsonWebKey
    const { calculateJwkThumbprint } = await import('jose')
    expect(await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0])).toBe(
      jkt,
    )
  })

  it('creates one key pair when tabs start signing in at the same moment', async () => {
    const world = fakeWorld({ dpop: true })
    const tabs = [world.tab(), world.tab(), world.tab(), world.tab(), world.tab()]
    await Promise.all(tabs.map((tab) => createAuth({ ...config, ...base }, tab.platform).login()))
    const thumbprints = tabs.map((tab) =>
      new URL(tab.navigations[0] as string).searchParams.get('dpop_jkt'),
    )
    expect(new Set(thumbprints).size).toBe(1)
    expect((await world.storage.keys()).filter((key) => key === KEY)).toHaveLength(1)
  })

  it('deletes the key and the session on logout', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth } = await signIn(world)
    await auth.logout({ localOnly: true })
    await settle()
    expect(await world.storage.keys()).toEqual([])
    expect(world.revoked).toEqual(['rt-1'])
    expect(world.revocationProofs).toEqual([
      expect.objectContaining({ typ: 'dpop+jwt', htm: 'POST', htu: `${config.issuer}/revoke` }),
    ])
  })

  it('keeps the key in memory and the session unpersisted when IndexedDB refuses the key', async () => {
    const world = fakeWorld({ dpop: true })
    const tab = world.tab()
    const refusing: KeyValueStore = {
      ...world.storage,
      set: async (key, value) => {
        if (key === KEY) throw new DOMException('quota', 'QuotaExceededError')
        return world.storage.set(key, value)
      },
    }
    tab.platform.storage = refusing
    const auth = createAuth({ ...config, ...base }, tab.platform)
    await auth.login()
    // The key will not exist on the callback page, so the code must not be bound to it.
    expect(new URL(tab.navigations[0] as string).searchParams.has('dpop_jkt')).toBe(false)
    await auth.handleRedirect(tab.callbackFor())
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: true })
    expect(await world.storage.keys()).toEqual([])
    await auth.authFetch(`${API}/me`)
    expect(world.api[0]?.authorization).toBe('DPoP at-1')
  })
})

describe('without DPoP', () => {
  it("falls back to Bearer and a memory session under 'auto' when the server lacks DPoP", async () => {
    const world = fakeWorld()
    const { auth, jkt } = await signIn(world)
    expect(jkt).toBeNull()
    expect(world.tokenProofs).toEqual([undefined])
    expect(auth.getState()).toMatchObject({ status: 'authenticated', dpop: false })
    expect(await world.storage.keys()).toEqual([])
  })

  it('dpop: false never sends a proof, even to a server that supports DPoP', async () => {
    const world = fakeWorld({ dpop: true })
    const { auth, jkt } = await signIn(world, { dpop: false })
    await auth.authFetch(`${API}/me`)
    expect(jkt).toBeNull()
    expect(world.tokenProofs).toEqual([undefined])
    expect(world.api[0]).toMatchObject({ authorization: 'Bearer at-1', proof: undefined })
  })

  it('dpop: true with a server that lacks DPoP is a configuration error', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth({ ...config, ...base, dpop: true }, tab.platform)
    const error = await rejection(auth.login())
    expect(error.code).toBe('config_invalid')
    expect(error.message).toMatch(/does not support DPoP/)
    expect(tab.navigations).toEqual([])
  })
})
