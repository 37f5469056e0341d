// The protocol layer's entry, loaded on demand: everything that talks to the authorization server
// or an API (oauth4webapi, discovery, the token endpoint, DPoP keys and proofs, authFetch's
// sending). The first load fetches it at createAuth() when a session is likely (the signed-in
// marker), so its download overlaps the storage read, and otherwise on first use.
import * as oauth from 'oauth4webapi'
import type { AuthContext, ProtocolContext } from '../first/context.js'
import { createDiscovery } from './discovery.js'
import { DpopKeys } from './dpop.js'
import { AuthError, type FirstLoad, link } from './firstLoad.js'
import { toAuthError } from './toAuthError.js'

// What the first load calls (createSender, refreshGrant, toAuthError) and the flows use: the flows
// import this layer through this module alone, so that it stays one chunk in an app's build (a
// bundler splits modules that different sets of chunks import into chunks of their own).
export { requestOptions } from './discovery.js'
export { type BoundKey, pickDpopAlg } from './dpop.js'
export { AuthError, isAuthError, isCallbackUrl, parseUrl, RESPONSE_PARAMS } from './firstLoad.js'
export { createSender } from './send.js'
export { toAuthError } from './toAuthError.js'
export {
  checkTokens,
  refreshGrant,
  retryOnNonce,
  sessionFromTokenResponse,
  tokenError,
  tokenRequestOptions,
} from './tokenEndpoint.js'

/**
 * Links the on-demand layers to the first load (see firstLoad.ts) and adds the protocol's parts to
 * `ctx` (in place: the flows and the first load then share one object).
 * @param read reads a stored value, retrying a failed read (first/kv.ts's `getRetrying`).
 */
export function attach(
  ctx: AuthContext,
  first: FirstLoad,
  read: (key: string) => Promise<unknown>,
): ProtocolContext {
  link(first)
  const { cfg, platform, scopeKey } = ctx
  const { multiTenant } = cfg
  const client: oauth.Client = {
    client_id: cfg.clientId,
    [oauth.clockTolerance]: cfg.clockTolerance,
  }
  const parts: Pick<ProtocolContext, 'client' | 'discover' | 'keys'> = {
    client,
    discover: createDiscovery({
      ...cfg,
      fetch: platform.fetch,
      required: ['authorization_endpoint', 'token_endpoint'],
      // Only apps that sign in through a multi-tenant issuer load its check.
      acceptTenants: multiTenant
        ? async (as, issuer) => {
            const module = await import('./multiTenant.js').catch((error: unknown) => {
              throw toAuthError(error, 'network_error', 'Discovery')
            })
            module.acceptTenants(as, issuer, multiTenant, oauth._expectedIssuer, AuthError)
          }
        : undefined,
    }),
    keys: new DpopKeys(platform.storage, `${scopeKey}:dpop-key`, client, {
      withLock: (task) => platform.withLock(`${scopeKey}:dpop-key`, task),
      read,
      restored: ctx.restoredKey,
    }),
  }
  return Object.assign(ctx, parts)
}
