// Code that loads on demand (the authorization request, the callback's exchange, logout): a chunk that cannot be fetched
// (offline, or a deploy replaced the app's files) is a network_error in the state, never a bare
// TypeError or a silent hang.
import { afterEach, expect, it, vi } from 'vitest'
import { API, config, fakeWorld, rejection } from './fakeWorld.js'

afterEach(() => {
  vi.doUnmock('../authorizationRequest.js')
  vi.doUnmock('../callback.js')
  vi.doUnmock('../logout.js')
  vi.resetModules()
})

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
