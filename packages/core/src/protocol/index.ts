// The protocol layer's entry, loaded on demand: everything that talks to the authorization server
// or an API (oauth4webapi, discovery, the token endpoint, DPoP keys and proofs, authFetch's
// sending). The first load fetches it at createAuth() when a session is likely (the signed-in
// marker), so its download overlaps the storage read, and otherwise on first use.
import * as oauth4webapi from 'oauth4webapi'
import type { AuthContext } from '../first/context.js'
import type { ApiTokenParts, ApiTokens } from './apiTokens.js'
import type { ProtocolContext } from './context.js'
import { createDiscovery } from './discovery.js'
import { DpopKeys } from './dpop.js'
import { AuthError, type FirstLoad, link } from './firstLoad.js'
import { toAuthError } from './toAuthError.js'

// What the first load calls (createSender, refreshGrant, toAuthError) and what the flows use, which
// they take from `ctx.protocol` (this module) and never import: a module that the protocol's chunk
// and a flow's both import goes into a chunk of its own, and the protocol would then come as a stub
// that fetches it, one round trip later (esbuild's and Rollup's output have no preload for it).
export { requestOptions } from './discovery.js'
export { type BoundKey, pickDpopAlg } from './dpop.js'
export { AuthError, isAuthError, isCallbackUrl, parseUrl, RESPONSE_PARAMS } from './firstLoad.js'
export { createSender } from './send.js'

/** The oauth4webapi functions the flows use. */
export const oauth = {
  AuthorizationResponseError: oauth4webapi.AuthorizationResponseError,
  OperationProcessingError: oauth4webapi.OperationProcessingError,
  authorizationCodeGrantRequest: oauth4webapi.authorizationCodeGrantRequest,
  calculatePKCECodeChallenge: oauth4webapi.calculatePKCECodeChallenge,
  customFetch: oauth4webapi.customFetch,
  expectNoNonce: oauth4webapi.expectNoNonce,
  generateRandomCodeVerifier: oauth4webapi.generateRandomCodeVerifier,
  generateRandomNonce: oauth4webapi.generateRandomNonce,
  generateRandomState: oauth4webapi.generateRandomState,
  None: oauth4webapi.None,
  pushedAuthorizationRequest: oauth4webapi.pushedAuthorizationRequest,
  processAuthorizationCodeResponse: oauth4webapi.processAuthorizationCodeResponse,
  processPushedAuthorizationResponse: oauth4webapi.processPushedAuthorizationResponse,
  processRevocationResponse: oauth4webapi.processRevocationResponse,
  revocationRequest: oauth4webapi.revocationRequest,
  validateAuthResponse: oauth4webapi.validateAuthResponse,
} as const
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
 * The tokens of the `apis` (apiTokens.ts), a chunk of their own that only the apps configuring
 * them load.
 * @throws {@link AuthError} `network_error` when its code cannot be fetched; `config_invalid`
 *   for an invalid entry.
 */
export async function apiTokens(ctx: ProtocolContext, parts: ApiTokenParts): Promise<ApiTokens> {
  const module = await import('./apiTokens.js').catch((error: unknown) => {
    throw toAuthError(error, 'network_error', 'Loading the tokens of `apis`')
  })
  return module.createApiTokens(ctx, parts)
}

/**
 * Links the on-demand layers to the first load (see firstLoad.ts) and adds the protocol's parts to
 * `ctx` (in place: the flows and the first load then share one object).
 * @param read reads a stored value, retrying a failed read (first/kv.ts's `getRetrying`).
 */
export function attach(
  ctx: AuthContext,
  protocol: ProtocolContext['protocol'],
  first: FirstLoad,
  read: (key: string) => Promise<unknown>,
): ProtocolContext {
  link(first)
  const { cfg, platform, scopeKey } = ctx
  const { multiTenant } = cfg
  const client: oauth4webapi.Client = {
    client_id: cfg.clientId,
    [oauth4webapi.clockTolerance]: cfg.clockTolerance,
  }
  const parts: Pick<ProtocolContext, 'protocol' | 'client' | 'discover' | 'keys'> = {
    protocol,
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
            module.acceptTenants(as, issuer, multiTenant, oauth4webapi._expectedIssuer, AuthError)
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
