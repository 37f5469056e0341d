// The signed-in marker: set by a sign-in, turned to signed-out by logout, by the end of a session
// and by a load that found none. It decides the silent restore on load (without it a page load
// makes no request at all) and whether a load reads storage.
import { describe, expect, it } from 'vitest'
import { createAuth } from '../first/createAuth.js'
import { config, fakeWorld, rejection, settle } from './fakeWorld.js'
import { openTab, signIn } from './tabs.js'

const MARKER = `latchkey:${config.issuer}/:spa:signed-in`

describe('the signed-in marker', () => {
  it('is 1 after a sign-in and 0 after logout, in localStorage, holding no token', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    await settle()
    expect(await world.flags.keys()).toEqual([MARKER])
    expect(await world.flags.get(MARKER)).toBe(1)
    expect(JSON.stringify(await world.flags.get(MARKER))).not.toMatch(/at-|rt-|user-1/)
    await auth.logout({ localOnly: true })
    await settle()
    expect(await world.flags.get(MARKER)).toBe(0)
  })

  it('is 0 when the session ends', async () => {
    const world = fakeWorld()
    const { auth } = await signIn(world)
    world.revokeAll()
    world.advance(301_000)
    expect((await rejection(auth.getAccessToken())).code).toBe('session_expired')
    await settle()
    expect(await world.flags.get(MARKER)).toBe(0)
  })

  it('is written with silentLogin: false too, and a load then still signs in no silently', async () => {
    const world = fakeWorld()
    // A session kept in memory only: the next page has nothing to restore.
    const memoryOnly = { silentLogin: false, storage: 'memory' } as const
    await signIn(world, memoryOnly)
    await settle()
    expect(await world.flags.get(MARKER)).toBe(1)
    const requests = world.tokenRequests.length
    const tab = world.tab()
    const auth = createAuth({ ...config, ...memoryOnly }, tab.platform)
    await rejection(auth.getAccessToken())
    expect(auth.getState().status).toBe('unauthenticated')
    expect(tab.navigations).toEqual([])
    expect(world.tokenRequests).toHaveLength(requests)
  })

  it('is set to 0 by a load that finds no session, so the next load reads no storage', async () => {
    const world = fakeWorld()
    const auth = createAuth(config, world.tab().platform)
    await rejection(auth.getAccessToken())
    expect(await world.flags.get(MARKER)).toBe(0)
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
