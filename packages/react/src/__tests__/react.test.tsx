// @vitest-environment happy-dom
import { createTestAuth } from '@latchkey/core/testing'
import { act, cleanup, render, renderHook, screen } from '@testing-library/react'
import { type ReactNode, StrictMode } from 'react'
import { afterEach, expect, it, vi } from 'vitest'
import { AuthProvider, RequireAuth, type UseAuthResult, useAuth } from '../index.js'

afterEach(() => {
  cleanup()
  history.replaceState(null, '', '/')
})

function Status() {
  const { status, user, isLoading, isAuthenticated } = useAuth()
  return (
    <p>
      {status} {String(isLoading)} {String(isAuthenticated)} {String(user?.name ?? 'nobody')}
    </p>
  )
}

it('re-renders on every state change', () => {
  const auth = createTestAuth({ status: 'loading', user: { name: 'Ada' } })
  render(
    <AuthProvider auth={auth}>
      <Status />
    </AuthProvider>,
  )
  expect(screen.getByText('loading true false nobody')).toBeTruthy()
  act(() => auth.settle())
  expect(screen.getByText('authenticated false true Ada')).toBeTruthy()
  act(() => auth.signOut())
  expect(screen.getByText('unauthenticated false false nobody')).toBeTruthy()
  act(() => void auth.fail('network_error'))
  expect(screen.getByText('error false false nobody')).toBeTruthy()
})

it('handles the callback once under StrictMode and remounts, then calls onRedirect once', async () => {
  const auth = createTestAuth({ redirectResult: { returnTo: '/account?tab=1#top' } })
  const onRedirect = vi.fn()
  const tree = (
    <StrictMode>
      <AuthProvider auth={auth} onRedirect={onRedirect}>
        <Status />
      </AuthProvider>
    </StrictMode>
  )
  const { unmount } = render(tree)
  expect(await screen.findByText('authenticated false true Test User')).toBeTruthy()
  expect(auth.calls.handleRedirect).toEqual([undefined])
  expect(onRedirect.mock.calls).toEqual([['/account?tab=1#top']])

  unmount()
  render(tree)
  await act(async () => {})
  expect(auth.calls.handleRedirect).toHaveLength(1)
  expect(onRedirect).toHaveBeenCalledTimes(1)
})

it('replaces the location with returnTo by default', async () => {
  const auth = createTestAuth({ redirectResult: { returnTo: '/account?tab=1#top' } })
  render(
    <AuthProvider auth={auth}>
      <Status />
    </AuthProvider>,
  )
  await screen.findByText('authenticated false true Test User')
  expect(`${location.pathname}${location.search}${location.hash}`).toBe('/account?tab=1#top')
})

it('leaves a failed callback in the state, without an unhandled rejection', async () => {
  const auth = createTestAuth()
  auth.fail('state_mismatch')
  const onRedirect = vi.fn()
  render(
    <AuthProvider auth={auth} onRedirect={onRedirect}>
      <Status />
    </AuthProvider>,
  )
  await act(async () => {})
  expect(auth.calls.handleRedirect).toHaveLength(1)
  expect(screen.getByText('error false false nobody')).toBeTruthy()
  expect(onRedirect).not.toHaveBeenCalled()
})

it('RequireAuth starts one login with returnTo = the current location and renders the fallback', async () => {
  history.replaceState(null, '', '/orders/7?sort=new#latest')
  const auth = createTestAuth()
  render(
    <StrictMode>
      <AuthProvider auth={auth}>
        <RequireAuth fallback={<p>signing in</p>}>
          <p>secret</p>
        </RequireAuth>
      </AuthProvider>
    </StrictMode>,
  )
  await act(async () => {})
  expect(screen.getByText('signing in')).toBeTruthy()
  expect(screen.queryByText('secret')).toBeNull()
  expect(auth.calls.login).toEqual([{ returnTo: '/orders/7?sort=new#latest' }])

  // Back from the server on the callback, the returnTo the guard asked for is where the app goes.
  const back = createTestAuth({ redirectResult: { returnTo: auth.calls.login[0]?.returnTo ?? '' } })
  history.replaceState(null, '', '/callback?code=c&state=s')
  cleanup()
  render(
    <AuthProvider auth={back}>
      <RequireAuth fallback={<p>signing in</p>}>
        <p>secret</p>
      </RequireAuth>
    </AuthProvider>,
  )
  expect(await screen.findByText('secret')).toBeTruthy()
  expect(`${location.pathname}${location.search}${location.hash}`).toBe('/orders/7?sort=new#latest')
  expect(back.calls.login).toEqual([])
})

it('RequireAuth waits while loading and renders children once signed in', () => {
  const auth = createTestAuth({ status: 'loading', user: { name: 'Ada' } })
  render(
    <AuthProvider auth={auth}>
      <RequireAuth fallback={<p>loading</p>}>
        <p>secret</p>
      </RequireAuth>
    </AuthProvider>,
  )
  expect(screen.getByText('loading')).toBeTruthy()
  act(() => auth.settle())
  expect(screen.getByText('secret')).toBeTruthy()
  expect(auth.calls.login).toEqual([])
})

function ErrorCode() {
  const { error } = useAuth()
  return <p>{error?.code ?? 'none'}</p>
}

it('RequireAuth does not loop when login fails: error state renders the fallback', async () => {
  const auth = createTestAuth()
  const error = auth.fail('discovery_failed')
  act(() => auth.signOut())
  // signOut() clears the failure; make login fail again the way the real one does.
  const login = auth.login
  auth.login = async (options) => {
    await login(options)
    auth.fail('discovery_failed')
    throw error
  }
  render(
    <StrictMode>
      <AuthProvider auth={auth}>
        <RequireAuth fallback={<ErrorCode />}>
          <p>secret</p>
        </RequireAuth>
      </AuthProvider>
    </StrictMode>,
  )
  expect(await screen.findByText('discovery_failed')).toBeTruthy()
  await act(async () => {})
  expect(auth.getState().status).toBe('error')
  expect(auth.calls.login).toHaveLength(1)
})

it('RequireAuth in the error state renders the fallback and starts no login', async () => {
  const auth = createTestAuth()
  auth.fail('authorization_denied')
  render(
    <AuthProvider auth={auth}>
      <RequireAuth fallback={<p>could not sign in</p>}>
        <p>secret</p>
      </RequireAuth>
    </AuthProvider>,
  )
  await act(async () => {})
  expect(screen.getByText('could not sign in')).toBeTruthy()
  expect(auth.calls.login).toEqual([])
})

it('useAuth outside a provider throws an error that says what to do', () => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined)
  expect(() => renderHook(() => useAuth())).toThrow(/wrap the tree in <AuthProvider/)
  vi.restoreAllMocks()
})

it('keeps the functions identical across renders and state changes', async () => {
  const auth = createTestAuth({ user: { name: 'Ada' } })
  const wrapper = ({ children }: { children: ReactNode }) => (
    <AuthProvider auth={auth}>{children}</AuthProvider>
  )
  const { result, rerender } = renderHook(() => useAuth(), { wrapper })
  const first: UseAuthResult = result.current
  rerender()
  act(() => auth.signOut())
  expect(result.current.status).toBe('unauthenticated')
  for (const name of [
    'login',
    'loginWithPopup',
    'loginSilently',
    'logout',
    'getAccessToken',
    'authFetch',
  ] as const) {
    expect(result.current[name]).toBe(first[name])
  }
  // And they act on the client given to the provider.
  await act(() => result.current.loginWithPopup())
  expect(result.current.user).toEqual({ sub: 'test-user', name: 'Ada' })
  expect(auth.calls.loginWithPopup).toEqual([{}])
})
