/**
 * The flow inspector's panel as a React component (React 18 or 19). Renders nothing in a
 * production build.
 *
 * ```tsx
 * import { FlowInspectorPanel } from '@latchkey/devtools/react'
 * <FlowInspectorPanel inspector={inspector} />
 * ```
 * @packageDocumentation
 */
import { createElement, type ReactElement, useEffect, useRef } from 'react'
import type { FlowInspector } from './flowInspector.js'

// Bundlers replace `process.env.NODE_ENV` with a string (Vite, webpack and Next.js on their own;
// esbuild and Rollup when told to, as for React and Vue themselves), so in a production build
// the condition below folds to `true` and the development code is dropped.
declare const process: { env: { NODE_ENV?: string } }

/** Props of {@link FlowInspectorPanel}. */
export interface FlowInspectorPanelProps {
  /** The inspector from `createFlowInspector()` whose `onEvent` the client was given. */
  inspector: FlowInspector
}

function DevFlowInspectorPanel({ inspector }: FlowInspectorPanelProps): ReactElement {
  // React owns the host element, the inspector what is inside it.
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (host.current === null) return undefined
    return inspector.mount(host.current)
  }, [inspector])
  return createElement('div', { ref: host })
}

/** Shows `inspector`'s steps, live; `null` in a production build. */
export const FlowInspectorPanel: (props: FlowInspectorPanelProps) => ReactElement | null =
  process.env.NODE_ENV === 'production' ? () => null : DevFlowInspectorPanel
