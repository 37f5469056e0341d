// @vitest-environment happy-dom
import type { AuthEvent } from '@latchkey/core'
import { act, cleanup, render } from '@testing-library/react'
import { mount } from '@vue/test-utils'
import { createElement, StrictMode } from 'react'
import { afterEach, expect, it, vi } from 'vitest'
import { h } from 'vue'
import { createFlowInspector } from '../index.js'
import { FlowInspectorPanel as ReactPanel } from '../react.js'
import { FlowInspectorPanel as VuePanel } from '../vue.js'

const step: AuthEvent = { step: 'pkce', title: 'PKCE verifier and challenge made', at: 1 }

afterEach(() => {
  cleanup()
  vi.unstubAllEnvs()
  vi.resetModules()
})

it('React: shows the panel live, once under StrictMode, and removes it on unmount', () => {
  const inspector = createFlowInspector()
  const view = render(createElement(StrictMode, null, createElement(ReactPanel, { inspector })))
  expect(view.container.querySelectorAll('.flow-inspector')).toHaveLength(1)
  act(() => inspector.onEvent?.(step))
  expect(view.container.querySelector('.fi-title')?.textContent).toBe(step.title)
  view.unmount()
  expect(document.querySelector('.flow-inspector')).toBeNull()
})

it('Vue: shows the panel live and removes it on unmount', () => {
  const inspector = createFlowInspector()
  const wrapper = mount(VuePanel, { props: { inspector }, attachTo: document.body })
  inspector.onEvent?.(step)
  expect(wrapper.element.querySelector('.fi-title')?.textContent).toBe(step.title)
  wrapper.unmount()
  expect(document.querySelector('.flow-inspector')).toBeNull()
})

it('renders nothing in a production build, in React and in Vue', async () => {
  vi.stubEnv('NODE_ENV', 'production')
  vi.resetModules()
  const [react, vue] = await Promise.all([import('../react.js'), import('../vue.js')])
  const inspector = createFlowInspector() // a development one: the panel must not mount it
  const mountSpy = vi.spyOn(inspector, 'mount')
  const view = render(createElement(react.FlowInspectorPanel, { inspector }))
  expect(view.container.innerHTML).toBe('')
  const wrapper = mount({ render: () => h(vue.FlowInspectorPanel, { inspector }) })
  expect(wrapper.html()).toBe('')
  expect(mountSpy).not.toHaveBeenCalled()
  wrapper.unmount()
})
