// @vitest-environment happy-dom
import type { AuthEvent } from '@latchkey/core'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createFlowInspector } from '../index.js'

const KEY = 'latchkey-devtools:flow-inspector'
const at = 1_700_000_000_000

const discovery: AuthEvent = {
  step: 'discovery_request',
  title: 'Discovery document requested',
  at,
  method: 'GET',
  url: 'http://localhost:4000/.well-known/openid-configuration',
}
const token: AuthEvent = {
  step: 'token_response',
  title: 'Tokens received',
  at: at + 1240,
  status: 200,
  ms: 38,
  params: { token_type: 'DPoP', access_token: 'eyJhbG…x9Qk' },
  jwts: {
    id_token: {
      header: { alg: 'ES256', typ: 'JWT' },
      claims: { sub: 'ada', exp: Math.floor(at / 1000) + 300 },
    },
  },
}
const failed: AuthEvent = {
  step: 'flow_failed',
  title: 'Sign-in failed',
  at: at + 2000,
  params: { error_code: 'authorization_denied' },
  error: 'The authorization server refused: access_denied.',
}

let host: HTMLElement
beforeEach(() => {
  host = document.createElement('div')
  document.body.append(host)
})
afterEach(() => {
  host.remove()
  sessionStorage.clear()
  vi.unstubAllEnvs()
  vi.resetModules()
})

const steps = () => [...host.querySelectorAll<HTMLElement>('.fi-step')]

it('shows each step as it happens, numbered and timed from the first', () => {
  const inspector = createFlowInspector()
  inspector.mount(host)
  expect(host.querySelector('.fi-empty')?.hasAttribute('hidden')).toBe(false)
  inspector.onEvent?.(discovery)
  inspector.onEvent?.(token)
  expect(steps().map((step) => step.dataset.step)).toEqual(['discovery_request', 'token_response'])
  expect(host.querySelector('.fi-count')?.textContent).toBe('2 steps')
  const second = steps()[1] as HTMLElement
  expect(second.querySelector('.fi-number')?.textContent).toBe('2')
  expect(second.querySelector('.fi-since')?.textContent).toBe('+1.24 s')
  expect(second.querySelector('.fi-status')?.textContent).toBe('200')
  expect(second.querySelector('.fi-jwt-name')?.textContent).toBe('id_token')
  expect(second.querySelector('.fi-params')?.textContent).toContain('eyJhbG…x9Qk')
})

it('shows a failed flow as failed: its last step in the failed phase, with the error', () => {
  const inspector = createFlowInspector()
  inspector.mount(host)
  inspector.onEvent?.(discovery)
  inspector.onEvent?.(failed)
  const last = steps().at(-1) as HTMLElement
  expect(last.classList.contains('fi-failed')).toBe(true)
  expect(last.querySelector('.fi-error')?.textContent).toBe(failed.error)
  expect(steps()[0]?.classList.contains('fi-failed')).toBe(false)
})

it('writes what the server sent as text, never as markup', () => {
  const inspector = createFlowInspector()
  inspector.mount(host)
  inspector.onEvent?.({ ...discovery, title: '<img src=x onerror=alert(1)>' })
  expect(host.querySelector('img')).toBeNull()
  expect(host.querySelector('.fi-title')?.textContent).toBe('<img src=x onerror=alert(1)>')
})

it('follows the newest step unless the reader scrolled up', () => {
  const inspector = createFlowInspector()
  inspector.mount(host)
  const panel = host.querySelector('.flow-inspector') as HTMLElement
  // happy-dom lays nothing out: give the panel a scrolling box of 100 px showing 1000 px.
  Object.defineProperty(panel, 'clientHeight', { value: 100, configurable: true })
  Object.defineProperty(panel, 'scrollHeight', { value: 1000, configurable: true })
  inspector.onEvent?.(discovery)
  expect(panel.scrollTop).toBe(1000)
  panel.scrollTop = 200 // the reader went back to an older step
  inspector.onEvent?.(token)
  expect(panel.scrollTop).toBe(200)
})

it('keeps nothing at rest while the page runs; hands the steps to the next page of the tab', () => {
  const inspector = createFlowInspector()
  inspector.onEvent?.(discovery)
  inspector.onEvent?.(token)
  expect(sessionStorage.getItem(KEY)).toBeNull()
  window.dispatchEvent(new Event('pagehide'))
  expect(JSON.parse(sessionStorage.getItem(KEY) ?? '[]')).toHaveLength(2)

  // The next page (here: a second inspector) takes them and removes them as it reads them.
  const next = createFlowInspector()
  expect(sessionStorage.getItem(KEY)).toBeNull()
  next.mount(host)
  expect(steps().map((step) => step.dataset.step)).toEqual(['discovery_request', 'token_response'])
})

it('drops what is not a step from storage, and survives storage that is not JSON', () => {
  sessionStorage.setItem(KEY, JSON.stringify([discovery, { step: 'x' }, null, 'text']))
  createFlowInspector().mount(host)
  expect(steps()).toHaveLength(1)
  host.replaceChildren()
  sessionStorage.setItem(KEY, '{not json')
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
  createFlowInspector().mount(host)
  expect(steps()).toHaveLength(0)
  expect(warn).toHaveBeenCalledOnce()
  warn.mockRestore()
})

it('keeps the newest `limit` steps and clears on the button', () => {
  const inspector = createFlowInspector({ limit: 2 })
  inspector.mount(host)
  inspector.onEvent?.(discovery)
  inspector.onEvent?.(token)
  inspector.onEvent?.(failed)
  expect(steps().map((step) => step.dataset.step)).toEqual(['token_response', 'flow_failed'])
  expect(steps()[0]?.querySelector('.fi-number')?.textContent).toBe('1')
  ;(host.querySelector('.flow-inspector header button') as HTMLButtonElement).click()
  expect(steps()).toHaveLength(0)
  expect(host.querySelector('.fi-count')?.textContent).toBe('0 steps')
})

it('removes its panel again, and styles the document once', () => {
  const inspector = createFlowInspector()
  const unmount = inspector.mount(host)
  const second = createFlowInspector().mount(host)
  expect(host.querySelectorAll('.flow-inspector')).toHaveLength(2)
  unmount()
  second()
  expect(host.querySelector('.flow-inspector')).toBeNull()
  const sheets = document.adoptedStyleSheets.length + document.querySelectorAll('style').length
  expect(sheets).toBe(1)
})

it('refuses options it cannot use', () => {
  expect(() => createFlowInspector({ limit: 0 })).toThrow(/`limit` must be a positive whole number/)
  expect(() => createFlowInspector({ limit: 1.5 })).toThrow(TypeError)
  expect(() => createFlowInspector({ storageKey: '' })).toThrow(/`storageKey`/)
})

it('is a no-op in a production build: no onEvent, no panel, no storage', async () => {
  vi.stubEnv('NODE_ENV', 'production')
  vi.resetModules()
  const production = await import('../index.js')
  const listen = vi.spyOn(window, 'addEventListener')
  const inspector = production.createFlowInspector()
  expect(inspector.onEvent).toBeUndefined()
  const unmount = inspector.mount(host)
  expect(host.childElementCount).toBe(0)
  unmount()
  expect(listen).not.toHaveBeenCalled()
  listen.mockRestore()
})
