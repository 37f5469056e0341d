// The silent restore on load when its code cannot be fetched (offline, or a deploy that removed the
// old chunks): the state settles with network_error, and nothing waits for ever or rejects with a
// bare TypeError.
import { afterEach, expect, it, vi } from 'vitest'
import { API, config, fakeWorld, rejection } from './fakeWorld.js'

const MARKER = `latchkey:${config.issuer}/:spa:signed-in`

afterEach(() => {
  vi.doUnmock('../silentLogin.js')
  vi.resetModules()
})

const gone = () => {
  throw new TypeError('Failed to fetch dynamically imported module')
}

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
