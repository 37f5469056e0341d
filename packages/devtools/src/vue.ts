/**
 * The flow inspector's panel as a Vue 3 component. Renders nothing in a production build.
 *
 * ```vue
 * <script setup lang="ts">
 * import { FlowInspectorPanel } from '@latchkey/devtools/vue'
 * </script>
 * <template><FlowInspectorPanel :inspector="inspector" /></template>
 * ```
 * @packageDocumentation
 */
import { defineComponent, h, onBeforeUnmount, onMounted, type PropType, ref, type VNode } from 'vue'
import type { FlowInspector } from './flowInspector.js'

// Bundlers replace `process.env.NODE_ENV` with a string (Vite, webpack and Next.js on their own;
// esbuild and Rollup when told to, as for React and Vue themselves), so in a production build
// the condition below folds to `true` and the development code is dropped.
declare const process: { env: { NODE_ENV?: string } }

const props = {
  /** The inspector from `createFlowInspector()` whose `onEvent` the client was given. */
  inspector: { type: Object as PropType<FlowInspector>, required: true },
} as const

// A function of its own, not a branch in setup: bundlers drop an unused function with the Vue
// imports only it uses, where dead code after a `return` can keep them.
function devSetup(given: { inspector: FlowInspector }): () => VNode {
  // Vue owns the host element, the inspector what is inside it.
  const host = ref<HTMLElement | null>(null)
  let unmount: (() => void) | undefined
  onMounted(() => {
    if (host.value !== null) unmount = given.inspector.mount(host.value)
  })
  onBeforeUnmount(() => unmount?.())
  return () => h('div', { ref: host })
}

/** Shows `inspector`'s steps, live; renders nothing in a production build. */
export const FlowInspectorPanel = /* @__PURE__ */ defineComponent({
  name: 'FlowInspectorPanel',
  props,
  setup: process.env.NODE_ENV === 'production' ? () => () => null : devSetup,
})
