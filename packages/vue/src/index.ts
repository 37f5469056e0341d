// @latchkey/vue: Vue bindings for Latchkey. Re-exports @latchkey/core, so apps install one package.
export * from '@latchkey/core'
export { type AuthGuard, createAuthGuard, type GuardedRoute } from './authGuard.js'
export {
  createLatchkey,
  type Latchkey,
  type LatchkeyPluginOptions,
  latchkeyKey,
} from './plugin.js'
export { type AuthMethods, type UseAuthResult, useAuth } from './useAuth.js'
