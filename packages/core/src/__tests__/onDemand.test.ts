// Code that loads on demand (the authorization request, the callback's exchange, logout, the silent
// restore on load): a chunk that cannot be fetched (offline, or a deploy replaced the app's files)
// is a network_error in the state, never a bare TypeError or a silent hang.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { API, config, fakeWorld, rejection } from './fakeWorld.js'

afterEach(() => {
  vi.doUnmock('../flows/authorizationRequest.js')
  vi.doUnmock('../flows/callback.js')
  vi.doUnmock('../flows/logout.js')
  vi.doUnmock('../flows/silentLogin.js')
  vi.resetModules()
})

const MARKER = `latchkey:${config.issuer}/:spa:signed-in`

const gone = () => {
  throw new TypeError('Failed to fetch dynamically imported module')
}

it('handleRedirect() rejects with network_error, in the state too, when the callback code cannot load', async () => {
  vi.resetModules()
  vi.doMock('../flows/callback.js', gone)
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  const tab = world.tab()
  const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
  await auth.login()
  const error = await rejection(auth.handleRedirect(tab.callbackFor()))
  expect(error).toMatchObject({ name: 'AuthError', code: 'network_error' })
  expect(auth.getState()).toMatchObject({ status: 'error', error })
  expect(world.tokenRequests).toHaveLength(0)
})

it('logout() rejects with network_error and keeps the session when the logout code cannot load', async () => {
  vi.resetModules()
  vi.doMock('../flows/logout.js', gone)
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  const tab = world.tab()
  const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  const error = await rejection(auth.logout())
  expect(error).toMatchObject({ name: 'AuthError', code: 'network_error' })
  expect(auth.getState()).toMatchObject({ status: 'authenticated', error })
  // Still signed in, and the user can try again.
  expect(await auth.getAccessToken()).toBe('at-1')
})

it('login() rejects with network_error, in the state too, when the sign-in code cannot load', async () => {
  vi.resetModules()
  vi.doMock('../flows/authorizationRequest.js', gone)
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  const tab = world.tab()
  const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
  const error = await rejection(auth.login())
  expect(error).toMatchObject({ name: 'AuthError', code: 'network_error' })
  expect(auth.getState()).toMatchObject({ status: 'error', error })
  expect(tab.navigations).toEqual([])
})

it('a browser signed in before settles to error with network_error, and every method rejects with an AuthError', async () => {
  vi.resetModules()
  vi.doMock('../flows/silentLogin.js', gone)
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  await world.flags.set(MARKER, 1) // signed in on an earlier visit
  const tab = world.tab()
  const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
  // What <RequireAuth> and the Vue guard wait for.
  await vi.waitFor(() => expect(auth.getState().status).not.toBe('loading'), { timeout: 1000 })
  expect(auth.getState()).toMatchObject({
    status: 'error',
    error: { name: 'AuthError', code: 'network_error' },
  })

  for (const call of [
    () => auth.getAccessToken(),
    () => auth.authFetch(`${API}/me`),
    () => auth.loginSilently(),
  ]) {
    expect(await rejection(call())).toMatchObject({ name: 'AuthError' })
  }
  expect((await rejection(auth.loginSilently())).code).toBe('network_error')
  await expect(auth.logout({ localOnly: true })).resolves.toBeUndefined()
  expect(auth.getState().status).toBe('unauthenticated')
  expect(tab.navigations).toEqual([])
})

// The next step's code is fetched in the background (logout when signed in, the sign-in when
// signed out), but never in the way of what the user waits for, nor for a page that is leaving.

/** Lets the fake world's promises and the SDK's background work run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

/** Records in `log` when the module at `path` is imported (the real module is used). */
function watchImport(path: string, log: string[], name: string): void {
  vi.doMock(path, async (importOriginal) => {
    log.push(name)
    return importOriginal()
  })
}

it('the logout code is not requested before the first API call after sign-in has answered', async () => {
  vi.resetModules()
  const log: string[] = []
  watchImport('../flows/logout.js', log, 'logout code')
  const { createAuth } = await import('../first/createAuth.js')
  const world = fakeWorld()
  const tab = world.tab()
  let answer: () => void = () => undefined
  const held = new Promise<void>((resolve) => (answer = resolve))
  const platform = {
    ...tab.platform,
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      if (!String(input).startsWith(API)) return tab.platform.fetch(input, init)
      await held
      const response = await tab.platform.fetch(input, init)
      log.push('API answered')
      return response
    },
  }
  const auth = createAuth({ ...config, apiOrigins: [API], autoRefresh: false }, platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  const call = auth.authFetch(`${API}/me`)
  world.advance(5000) // long after the page went quiet, the API has not answered yet
  await settle()
  expect(log).toEqual([])

  answer()
  expect((await call).status).toBe(200)
  await vi.waitFor(() => expect(log).toEqual(['API answered', 'logout code']))
})

describe('after logout()', () => {
  /** A tab signed in on an earlier page (a DPoP session kept), its own code watched. */
  async function reloaded(log: string[]) {
    const world = fakeWorld({ dpop: true })
    const first = world.tab()
    const before = await import('../first/createAuth.js')
    const earlier = before.createAuth(
      { ...config, apiOrigins: [API] },
      { ...first.platform, openChannel: () => null },
    )
    await earlier.login()
    await earlier.handleRedirect(first.callbackFor())
    world.advance(5000) // the earlier page's background work is done
    await settle()

    vi.resetModules()
    watchImport('../flows/authorizationRequest.js', log, 'sign-in code')
    const { createAuth } = await import('../first/createAuth.js')
    const tab = world.tab()
    const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
    await vi.waitFor(() => expect(auth.getState().status).toBe('authenticated'))
    return { world, tab, auth }
  }

  it('that takes the page to the end-session endpoint requests no sign-in code', async () => {
    vi.resetModules()
    const log: string[] = []
    const { world, tab, auth } = await reloaded(log)
    await auth.logout()
    expect(tab.navigations.at(-1)).toMatch(`${config.issuer}/session/end?`)
    world.advance(5000)
    await settle()
    expect(log).toEqual([])
  })

  it('that stays on the page (localOnly) fetches the sign-in code in the background', async () => {
    vi.resetModules()
    const log: string[] = []
    const { world, tab, auth } = await reloaded(log)
    await auth.logout({ localOnly: true })
    expect(tab.navigations).toEqual([])
    world.advance(5000)
    await vi.waitFor(() => expect(log).toEqual(['sign-in code']))
  })
})
