// The first load's one way to the on-demand layers: the protocol (protocol/index.ts), attached to
// the client's context once, and the flows, each loaded together with it. Only import() leads
// there (`npm run size` checks it); what those layers use of the first load is handed to them here.
import type { ProtocolContext } from '../protocol/context.js'
import type * as ProtocolModule from '../protocol/index.js'
import { isCallbackUrl, RESPONSE_PARAMS } from './callbackUrl.js'
import { parseUrl } from './config.js'
import type { AuthContext } from './context.js'
import { AuthError, isAuthError } from './errors.js'
import { getRetrying } from './kv.js'

/** The protocol layer, loaded: its module and the client's context with its parts. */
interface Protocol {
  module: typeof ProtocolModule
  ctx: ProtocolContext
}

/** What {@link createLayers} returns. */
export interface Layers {
  /**
   * The protocol layer, loaded and attached once. A failed download rejects with `network_error`
   * (not shown in the state) and is tried again on the next call.
   */
  protocol(): Promise<Protocol>
  /**
   * A flow's module (an `import()` of it) with the protocol layer, fetched side by side. Failing
   * to load either (offline, or a deploy that replaced the app's chunks) is a `network_error`,
   * shown in the state like any other failure.
   */
  load<T>(module: Promise<T>, what: string): Promise<[T, Protocol]>
}

/** The layers of the client whose first-load parts are `ctx`. */
export function createLayers(ctx: AuthContext): Layers {
  let loading: Promise<Protocol> | undefined
  const protocol = () =>
    (loading ??= import('../protocol/index.js').then(
      (module) => ({
        module,
        ctx: module.attach(
          ctx,
          module,
          { AuthError, isAuthError, isCallbackUrl, RESPONSE_PARAMS, parseUrl },
          (key) => getRetrying(ctx.platform.storage, key),
        ),
      }),
      (error: unknown) => {
        loading = undefined
        throw unloaded(error, 'The protocol code')
      },
    ))
  return {
    protocol,
    async load(module, what) {
      try {
        return await Promise.all([module, protocol()])
      } catch (error) {
        ctx.fail(unloaded(error, what))
      }
    },
  }
}

/** The error of code that could not be loaded. */
function unloaded(error: unknown, what: string): AuthError {
  if (error instanceof AuthError) return error
  return new AuthError(
    'network_error',
    `${what} failed: its code could not be loaded, the network request did not complete (${error instanceof Error ? error.message : String(error)}).`,
    { cause: error },
  )
}
