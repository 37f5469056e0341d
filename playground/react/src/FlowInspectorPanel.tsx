import { useEffect, useRef } from 'react'
import type { FlowInspector } from '../../inspector/flowInspector.js'

/** The flow inspector's panel: React owns the host element, the inspector what is inside it. */
export function FlowInspectorPanel({ inspector }: { inspector: FlowInspector }) {
  const host = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (host.current === null) return undefined
    return inspector.mount(host.current)
  }, [inspector])
  return <div ref={host} />
}
