// What the on-demand layers (protocol/, flows/) use of the first load's own code. They are handed
// it when they load (`link`), never import it: an app's bundler (Vite's Rolldown, esbuild) puts a
// module that both the first load and an on-demand chunk import into a chunk of its own, so the
// first load would come as several files, each compressed alone. `npm run size` checks the rule.
// The first load links before it runs any on-demand code (first/layers.ts); the entries that load
// everything at once (`@latchkey/core/internal` for Node) link when they are imported.
import type * as CallbackUrl from '../first/callbackUrl.js'
import type * as Config from '../first/config.js'
import type * as Errors from '../first/errors.js'

/** The first load's parts that {@link link} hands over. */
export interface FirstLoad {
  AuthError: typeof Errors.AuthError
  isAuthError: typeof Errors.isAuthError
  isCallbackUrl: typeof CallbackUrl.isCallbackUrl
  RESPONSE_PARAMS: typeof CallbackUrl.RESPONSE_PARAMS
  parseUrl: typeof Config.parseUrl
}

// Live bindings: a module importing them sees the values `link` sets.
export let AuthError: FirstLoad['AuthError']
/** An instance of {@link AuthError}, as a type. */
export type AuthError = Errors.AuthError
export let isAuthError: FirstLoad['isAuthError']
export let isCallbackUrl: FirstLoad['isCallbackUrl']
export let RESPONSE_PARAMS: FirstLoad['RESPONSE_PARAMS']
export let parseUrl: FirstLoad['parseUrl']

/** Hands the first load's parts to the on-demand layers; the same values every time. */
export function link(first: FirstLoad): void {
  ;({ AuthError, isAuthError, isCallbackUrl, RESPONSE_PARAMS, parseUrl } = first)
}
