// Code that loads on demand (the authorization request, the callback's exchange, logout, the silent
// restore on load): a chunk that cannot be fetched (offline, or a deploy replaced the app's files)
// is a network_error in the state, never a bare TypeError or a silent hang.
import { afterEach, expect, it, vi } from 'vitest'
import { API, config, fakeWorld, rejection } from './fakeWorld.js'

afterEach(() => {
  vi.doUnmock('../authorizationRequest.js')
  vi.doUnmock('../callback.js')
  vi.doUnmock('../logout.js')
  vi.doUnmock('../silentLogin.js')
  vi.resetModules()
})

const MARKER = `latchkey:${config.issuer}/:spa:signed-in`

const gone = () => {
  throw new TypeError('Failed to fetch dynamically imported module')
}

it('handleRedirect() rejects with network_error, in the state too, when the callback code cannot load', async () => {
  vi.resetModules()
  vi.doMock('../callback.js', gone)
  const { createAuth } = await import('../createAuth.js')
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
  vi.doMock('../logout.js', gone)
  const { createAuth } = await import('../createAuth.js')
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
  vi.doMock('../authorizationRequest.js', gone)
  const { createAuth } = await import('../createAuth.js')
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
  vi.doMock('../silentLogin.js', gone)
  const { createAuth } = await import('../createAuth.js')
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
