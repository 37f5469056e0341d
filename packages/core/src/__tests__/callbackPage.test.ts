// The state a callback page shows while its response is handled, and what a page that only relays
// a response (a popup's, a hidden iframe's) may do afterwards: an app's "signed out, so login()"
// must never leave for the server in the middle of a sign-in.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuthConfig } from '../first/config.js'
import type { AuthStatus } from '../first/state.js'
import { API, config, fakeWorld, ISSUER, settle } from './fakeWorld.js'

afterEach(() => {
  vi.doUnmock('../flows/relay.js')
  vi.resetModules()
})

type World = ReturnType<typeof fakeWorld>

/** Starts a sign-in in one page and returns the callback URL the server sends the browser to. */
async function startSignIn(
  world: World,
  createAuth: typeof import('../first/createAuth.js').createAuth,
) {
  const tab = world.tab()
  await createAuth({ ...config, apiOrigins: [API] }, tab.platform).login()
  return tab.callbackFor()
}

/** Every status `auth` shows from now on. */
function statuses(auth: { subscribe(listener: (state: { status: AuthStatus }) => void): unknown }) {
  const seen: AuthStatus[] = []
  auth.subscribe((state) => seen.push(state.status))
  return seen
}

describe('the callback page', () => {
  it.each<[string, Partial<AuthConfig>]>([
    ['with the silent restore on', {}],
    ['with silentLogin: false', { silentLogin: false }],
  ])('stays loading until handleRedirect() settles, %s', async (_, extra) => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const callback = await startSignIn(world, createAuth)
    const page = world.tab(callback)
    const auth = createAuth({ ...config, apiOrigins: [API], ...extra }, page.platform)
    const seen = statuses(auth)
    expect(auth.getState().status).toBe('loading')
    await settle() // the restore of a kept session is done; the exchange has not started
    expect(auth.getState().status).toBe('loading')
    await auth.handleRedirect()
    expect(seen).toEqual(['authenticated'])
    expect(page.navigations).toEqual([])
  })

  it('settles to error, never to unauthenticated, when the callback is refused', async () => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld({ codeStatus: 400 })
    const callback = await startSignIn(world, createAuth)
    const auth = createAuth({ ...config, apiOrigins: [API] }, world.tab(callback).platform)
    const seen = statuses(auth)
    await auth.handleRedirect().catch(() => undefined)
    await settle()
    expect(seen).toEqual(['error'])
  })

  it('stays loading when news from another tab arrives before the exchange', async () => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const other = world.tab()
    const otherAuth = createAuth({ ...config, apiOrigins: [API] }, other.platform)
    await otherAuth.login()
    await otherAuth.handleRedirect(other.callbackFor())
    const callback = await startSignIn(world, createAuth)
    const page = world.tab(callback)
    const auth = createAuth({ ...config, apiOrigins: [API] }, page.platform)
    const seen = statuses(auth)
    await settle()
    // The other tab's session is in its memory, not this page's: its news means "signed out" here.
    await otherAuth.getAccessToken({ forceRefresh: true }) // tells the tabs it refreshed
    await settle()
    expect(auth.getState().status).toBe('loading')
    await auth.handleRedirect()
    expect(seen).toEqual(['authenticated'])
  })

  it('settles once handleRedirect() is done, also when the app calls it late', async () => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const callback = await startSignIn(world, createAuth)
    const page = world.tab(callback)
    const auth = createAuth({ ...config, apiOrigins: [API] }, page.platform)
    await auth.getAccessToken().catch(() => undefined) // the restore is over
    await settle()
    expect(auth.getState().status).toBe('loading')
    await auth.handleRedirect()
    expect(await auth.getAccessToken()).toBe('at-1')
  })
})

describe('a page that relayed a response to the window that started the sign-in', () => {
  it('starts no login: a protected route as redirect URI cannot sign in inside the iframe', async () => {
    const sent: string[] = []
    vi.resetModules()
    vi.doMock('../flows/relay.js', () => ({ sendRelay: (url: URL) => sent.push(url.href) }))
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const callback = await startSignIn(world, createAuth)
    // What loginSilently() stores: the response comes back in a hidden iframe.
    const key = `latchkey:${ISSUER}/:spa:tx:${new URL(callback).searchParams.get('state')}`
    await world.storage.set(key, { ...(await world.storage.get<object>(key)), relay: 'frame' })

    const frame = world.tab(callback)
    const auth = createAuth({ ...config, apiOrigins: [API] }, frame.platform)
    expect(await auth.handleRedirect()).toBeNull()
    expect(sent).toEqual([callback])
    await settle()
    // What <RequireAuth> and the Vue guard do with a signed-out state.
    expect(auth.getState().status).toBe('unauthenticated')
    await auth.login({ returnTo: '/callback' })
    expect(frame.navigations).toEqual([])
    expect(world.tokenRequests).toHaveLength(0) // the code is left to the window that asked
  })
})

describe('a new sign-in while signed in (popup, silent, step-up)', () => {
  it('keeps the signed-in state shown, with no loading in between', async () => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    const seen = statuses(auth)
    // The same completion as a popup's or an iframe's response, in the window that started it.
    await auth.login({ maxAge: 0 })
    await auth.handleRedirect(tab.callbackFor())
    expect(seen).not.toContain('loading')
    expect(auth.getState()).toMatchObject({ status: 'authenticated', error: null })
    expect(await auth.getAccessToken()).toBe('at-2')
  })

  it('keeps the user signed in when the new sign-in fails, with its error', async () => {
    const { createAuth } = await import('../first/createAuth.js')
    const world = fakeWorld()
    const tab = world.tab()
    const auth = createAuth({ ...config, apiOrigins: [API] }, tab.platform)
    await auth.login()
    await auth.handleRedirect(tab.callbackFor())
    const seen = statuses(auth)
    await auth.login()
    world.options.codeStatus = 400
    await auth.handleRedirect(tab.callbackFor()).catch(() => undefined)
    expect(seen).not.toContain('loading')
    expect(auth.getState()).toMatchObject({
      status: 'authenticated',
      error: { code: 'token_request_failed' },
    })
  })
})
