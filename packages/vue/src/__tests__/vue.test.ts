// @vitest-environment happy-dom
import { createTestAuth, type TestAuth } from '@latchkey/core/testing'
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { createAuthGuard, createLatchkey, type UseAuthResult, useAuth } from '../index.js'

afterEach(() => {
  history.replaceState(null, '', '/')
})

const Status = defineComponent(() => {
  const { status, isLoading, isAuthenticated, user, error, expiresAt } = useAuth()
  return () =>
    h(
      'p',
      [
        status.value,
        String(isLoading.value),
        String(isAuthenticated.value),
        user.value?.name ?? 'nobody',
        error.value?.code ?? 'ok',
        expiresAt.value === null ? 'no-expiry' : 'expiry',
      ].join(' '),
    )
})

it('updates the refs on every state change', async () => {
  const auth = createTestAuth({ status: 'loading', user: { name: 'Ada' } })
  const wrapper = mount(Status, { global: { plugins: [createLatchkey(auth)] } })
  expect(wrapper.text()).toBe('loading true false nobody ok no-expiry')
  auth.settle()
  await nextTick()
  expect(wrapper.text()).toBe('authenticated false true Ada ok expiry')
  auth.signOut()
  await nextTick()
  expect(wrapper.text()).toBe('unauthenticated false false nobody ok no-expiry')
  auth.fail('network_error')
  await nextTick()
  expect(wrapper.text()).toBe('error false false nobody network_error no-expiry')
})

/** A test client that counts its live subscriptions. */
function counted(auth: TestAuth): { auth: TestAuth; live: () => number } {
  let live = 0
  const subscribe = auth.subscribe
  auth.subscribe = (listener) => {
    live++
    const unsubscribe = subscribe(listener)
    return () => {
      live--
      unsubscribe()
    }
  }
  return { auth, live: () => live }
}

it('subscribes once per app, and unsubscribes when the app unmounts', () => {
  const { auth, live } = counted(createTestAuth())
  const wrapper = mount(
    defineComponent(() => () => [h(Status), h(Status)]),
    { global: { plugins: [createLatchkey(auth)] } },
  )
  expect(live()).toBe(1)
  wrapper.unmount()
  expect(live()).toBe(0)
  // The refs no longer follow a client whose app is gone.
  auth.signIn()
  expect(live()).toBe(0)
})

it('gives every component the same object, with methods bound to the client', async () => {
  const auth = createTestAuth()
  const seen: UseAuthResult[] = []
  const Probe = defineComponent(() => {
    seen.push(useAuth())
    return () => null
  })
  mount(
    defineComponent(() => () => [h(Probe), h(Probe)]),
    { global: { plugins: [createLatchkey(auth)] } },
  )
  expect(seen).toHaveLength(2)
  expect(seen[0]).toBe(seen[1])
  const { login, logout } = seen[0] as UseAuthResult
  await login({ returnTo: '/account' })
  await logout()
  expect(auth.calls.login).toEqual([{ returnTo: '/account' }])
  expect(auth.calls.logout).toEqual([{}])
})

it('handles the callback once on install, then calls onRedirect once with returnTo', async () => {
  const auth = createTestAuth({ redirectResult: { returnTo: '/account?tab=1#top' } })
  const onRedirect = vi.fn()
  const wrapper = mount(Status, { global: { plugins: [createLatchkey(auth, { onRedirect })] } })
  await flushPromises()
  expect(wrapper.text()).toBe('authenticated false true Test User ok expiry')
  expect(auth.calls.handleRedirect).toEqual([undefined])
  expect(onRedirect.mock.calls).toEqual([['/account?tab=1#top']])
})

it('replaces the location with returnTo by default', async () => {
  history.replaceState(null, '', '/callback?code=c&state=s')
  const auth = createTestAuth({ redirectResult: { returnTo: '/account?tab=1#top' } })
  mount(Status, { global: { plugins: [createLatchkey(auth)] } })
  await flushPromises()
  expect(`${location.pathname}${location.search}${location.hash}`).toBe('/account?tab=1#top')
})

it('leaves a failed callback in the state, without an unhandled rejection', async () => {
  const auth = createTestAuth()
  auth.fail('state_mismatch')
  const onRedirect = vi.fn()
  const wrapper = mount(Status, { global: { plugins: [createLatchkey(auth, { onRedirect })] } })
  await flushPromises()
  expect(auth.calls.handleRedirect).toHaveLength(1)
  expect(wrapper.text()).toBe('error false false nobody state_mismatch no-expiry')
  expect(onRedirect).not.toHaveBeenCalled()
})

it('useAuth without the plugin throws an error that says what to do', () => {
  vi.spyOn(console, 'warn').mockImplementation(() => undefined)
  expect(() => mount(Status)).toThrow(/app\.use\(createLatchkey\(auth\)\)/)
  expect(() => useAuth()).toThrow(/outside a component's setup\(\)/)
  vi.restoreAllMocks()
})

it('refuses something that is not a client', () => {
  expect(() => createLatchkey({} as never)).toThrow(TypeError)
})

const Page = (name: string) => defineComponent(() => () => h('p', name))

/** An app with a router guarded by createAuthGuard(), at `start`, mounted on a fresh element. */
async function guardedApp(auth: TestAuth, start = '/') {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Page('home') },
      { path: '/callback', component: Page('callback') },
      {
        path: '/account',
        meta: { requiresAuth: true },
        children: [{ path: 'orders/:id', component: Page('order') }],
        component: RouterView,
      },
    ],
  })
  router.beforeEach(createAuthGuard())
  const app = createApp(RouterView)
    .use(router)
    .use(createLatchkey(auth, { onRedirect: (returnTo) => void router.replace(returnTo) }))
  await router.push(start)
  app.mount(document.createElement('div'))
  await router.isReady()
  return { router, app }
}

it('the guard lets a signed-in user through to a protected route, and its children', async () => {
  const auth = createTestAuth({ user: { name: 'Ada' } })
  const { router } = await guardedApp(auth)
  await router.push('/account/orders/7?sort=new#latest')
  expect(router.currentRoute.value.fullPath).toBe('/account/orders/7?sort=new#latest')
  expect(auth.calls.login).toEqual([])
})

it('the guard starts one login with returnTo = the target route and stops the navigation', async () => {
  const auth = createTestAuth()
  const { router } = await guardedApp(auth)
  await router.push('/account/orders/7?sort=new#latest')
  expect(router.currentRoute.value.fullPath).toBe('/')
  // The page is on its way to the server: another navigation starts no second login.
  await router.push('/account/orders/8')
  expect(router.currentRoute.value.fullPath).toBe('/')
  expect(auth.calls.login).toEqual([{ returnTo: '/account/orders/7?sort=new#latest' }])
  // Public routes pass whatever the state.
  await router.push('/callback')
  expect(router.currentRoute.value.fullPath).toBe('/callback')
})

it('the guard waits while the session loads', async () => {
  const auth = createTestAuth({ status: 'loading', user: { name: 'Ada' } })
  const { router } = await guardedApp(auth)
  let done = false
  const navigation = router.push('/account/orders/7').then(() => {
    done = true
  })
  await flushPromises()
  expect(done).toBe(false)
  expect(router.currentRoute.value.fullPath).toBe('/')
  auth.settle()
  await navigation
  expect(router.currentRoute.value.fullPath).toBe('/account/orders/7')
  expect(auth.calls.login).toEqual([])
})

it('a deep link signs in and comes back to the route through the callback', async () => {
  const auth = createTestAuth({ redirectResult: { returnTo: '/account/orders/7?sort=new' } })
  const { router } = await guardedApp(auth, '/callback')
  await flushPromises()
  expect(router.currentRoute.value.fullPath).toBe('/account/orders/7?sort=new')
  expect(auth.calls.login).toEqual([])
})

it('the guard starts no login in the error state, and does not loop when login fails', async () => {
  const failed = createTestAuth()
  failed.fail('authorization_denied')
  const first = await guardedApp(failed)
  await first.router.push('/account/orders/7')
  expect(first.router.currentRoute.value.fullPath).toBe('/')
  expect(failed.calls.login).toEqual([])

  const auth = createTestAuth()
  const error = auth.fail('discovery_failed')
  auth.signOut()
  // signOut() clears the failure; make login fail the way the real one does.
  const login = auth.login
  auth.login = async (options) => {
    await login(options)
    auth.fail('discovery_failed')
    throw error
  }
  const { router } = await guardedApp(auth)
  await router.push('/account/orders/7')
  await flushPromises()
  expect(auth.getState().status).toBe('error')
  await router.push('/account/orders/8')
  expect(router.currentRoute.value.fullPath).toBe('/')
  expect(auth.calls.login).toHaveLength(1)
})

it('the guard takes a client directly when the app does not use the plugin', async () => {
  const auth = createTestAuth()
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', component: Page('home') },
      { path: '/account', meta: { requiresAuth: true }, component: Page('account') },
    ],
  })
  router.beforeEach(createAuthGuard(auth))
  createApp(RouterView).use(router).mount(document.createElement('div'))
  await router.push('/account')
  expect(auth.calls.login).toEqual([{ returnTo: '/account' }])
  auth.signIn()
  await router.push('/account')
  expect(router.currentRoute.value.fullPath).toBe('/account')
})

it('on a protected callback route, the guard lets the sign-in finish instead of starting one', async () => {
  // Some apps use a protected page as their redirect URI: the guard sees it while the code is
  // being exchanged, signed out.
  const auth = createTestAuth({ redirectResult: { returnTo: '/account/orders/7' } })
  // The real exchange takes a while, during which the state is `unauthenticated`.
  const handleRedirect = auth.handleRedirect
  auth.handleRedirect = async (url) => {
    await new Promise((resolve) => setTimeout(resolve, 20))
    return handleRedirect(url)
  }
  const { router } = await guardedApp(auth, '/account/orders/7?code=c&state=s')
  await vi.waitFor(() => expect(auth.getState().status).toBe('authenticated'))
  await flushPromises()
  expect(router.currentRoute.value.fullPath).toBe('/account/orders/7')
  expect(auth.calls.login).toEqual([])
})
