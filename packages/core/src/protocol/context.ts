// A client's context once its protocol layer has loaded: the first load's parts (AuthContext) and
// the protocol's, which attach() adds (index.ts).
import type * as oauth from 'oauth4webapi'
import type { AuthContext } from '../first/context.js'
import type { DpopKeys } from './dpop.js'
import type * as ProtocolModule from './index.js'

/** A client's parts once its protocol layer has loaded: what the flows and refresh are given. */
export interface ProtocolContext extends AuthContext {
  /** The protocol layer's module: what the flows use of it (they never import it, see there). */
  protocol: typeof ProtocolModule
  client: oauth.Client
  /** The server's metadata, discovered once (a failed discovery is tried again). */
  discover(): Promise<oauth.AuthorizationServer>
  keys: DpopKeys
}
