/**
 * The flow inspector as a package: a panel that shows each protocol step of a Latchkey client
 * (`onEvent`) live, for your app in development. A production build gets a no-op in its place
 * (`process.env.NODE_ENV === 'production'`), so it costs nothing there.
 *
 * ```ts
 * import { createFlowInspector } from '@latchkey/devtools'
 * const inspector = createFlowInspector()
 * const auth = createAuth({ ...config, onEvent: inspector.onEvent })
 * inspector.mount(document.body)
 * ```
 *
 * `@latchkey/devtools/react` and `@latchkey/devtools/vue` give the panel as a component.
 * @packageDocumentation
 */
import {
  createDevFlowInspector,
  type FlowInspector,
  type FlowInspectorOptions,
} from './flowInspector.js'

// Bundlers replace `process.env.NODE_ENV` with a string (Vite, webpack and Next.js on their own;
// esbuild and Rollup when told to, as for React and Vue themselves), so in a production build
// the condition below folds to `true` and the development code is dropped.
declare const process: { env: { NODE_ENV?: string } }

export type { FlowInspector, FlowInspectorOptions }

/**
 * Creates the flow inspector of one client: pass its `onEvent` to `createAuth()` and mount its
 * panel where the app should show it.
 *
 * The panel shows what `onEvent` gets: codes, verifiers and tokens shortened by the SDK, never
 * whole. While the app runs nothing is kept at rest; the steps wait in sessionStorage only
 * between two pages of one tab (the trip to the authorization server and back, a reload), and
 * the next page removes them as it reads them.
 *
 * In a production build it returns an inspector that does nothing: `onEvent` is `undefined`
 * (the client then reports no steps) and `mount` adds nothing.
 *
 * @throws TypeError when `limit` is not a positive whole number or `storageKey` is empty.
 */
export const createFlowInspector: (options?: FlowInspectorOptions) => FlowInspector =
  process.env.NODE_ENV === 'production'
    ? () => ({ onEvent: undefined, mount: () => () => {}, clear: () => {} })
    : createDevFlowInspector
