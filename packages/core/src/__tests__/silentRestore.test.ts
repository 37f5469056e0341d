// The marker behind the silent restore on load: set by a sign-in, cleared by logout and by the end
// of a session; without it a page load makes no request at all.
import { describe, expect, it } from 'vitest'
import { createAuth } from '../first/createAuth.js'
import { config, fakeWorld, rejection, settle } from './fakeWorld.js'
import { openTab, signIn } from './tabs.js'

const MARKER = `latchkey:${config.issuer}/:spa:signed-in`

describe('the signed-in marker', () => {
  it('is set by a sign-in and removed by logout, in localStorage, holding no token', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    await settle()
    expect(await world.flags.keys()).toEqual([MARKER])
    expect(JSON.stringify(await world.flags.get(MARKER))).not.toMatch(/at-|rt-|user-1/)
    await auth.logout({ localOnly: true })
    await settle()
    expect(await world.flags.keys()).toEqual([])
  })

  it('is removed when the session ends', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.revokeAll()
    world.advance(301_000)
    expect((await rejection(auth.getAccessToken())).code).toBe('session_expired')
    await settle()
    expect(await world.flags.keys()).toEqual([])
  })

  it('is never written with silentLogin: false', async () => {
    const world = fakeWorld()
    await signIn(world, { silentLogin: false })
    await settle()
    expect(await world.flags.keys()).toEqual([])
  })
})

describe('a page load without a kept session', () => {
  it('of a new visitor settles to unauthenticated with no request', async () => {
    const world = fakeWorld()
    const tab = world.tab()
    const requests: string[] = []
    const fetch = tab.platform.fetch
    tab.platform.fetch = (input, init) => {
      requests.push(String(input))
      return fetch(input, init)
    }
    const auth = createAuth(config, tab.platform)
    expect(auth.getState().status).toBe('loading') // the same as a server render
    await rejection(auth.getAccessToken())
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', error: null })
    expect(requests).toEqual([])
    expect(tab.navigations).toEqual([])
  })

  it('with a kept session restores it from storage without a silent sign-in', async () => {
    const world = fakeWorld()
    await signIn(world)
    const requests = world.tokenRequests.length
    const { auth } = await openTab(world)
    expect(auth.getState()).toMatchObject({ status: 'authenticated', silent: false })
    expect(world.tokenRequests).toHaveLength(requests)
  })
})
