// Authorization server metadata, discovered once per issuer through oauth4webapi.
import * as oauth from 'oauth4webapi'
import { AuthError } from './firstLoad.js'
import { toAuthError } from './toAuthError.js'

/** How requests to the authorization server are made. */
export interface RequestSettings {
  timeoutMs: number
  /** True for an `http://` issuer on loopback, the only case oauth4webapi may use http. */
  insecureLoopback: boolean
}

/** The options every oauth4webapi request gets: timeout, fetch, and http only for loopback. */
export function requestOptions(settings: RequestSettings, fetch: typeof globalThis.fetch) {
  return {
    signal: () => AbortSignal.timeout(settings.timeoutMs),
    // oauth4webapi's fetch options are a RequestInit with optional members spelled out.
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      fetch(url, init as RequestInit),
    ...(settings.insecureLoopback ? { [oauth.allowInsecureRequests]: true } : {}),
  }
}

/** What {@link createDiscovery} needs. */
export interface DiscoveryOptions extends RequestSettings {
  issuer: URL
  fetch: typeof globalThis.fetch
  /** Endpoints the caller cannot work without. */
  required: readonly ('authorization_endpoint' | 'token_endpoint')[]
  /**
   * For a multi-tenant issuer (see `multiTenant`): checks the metadata, whose `issuer` is then not
   * compared with the configured one, and prepares the ID-token checks. Given by the browser
   * client only, which loads its code on demand.
   */
  acceptTenants?: ((as: oauth.AuthorizationServer, issuer: URL) => Promise<void>) | undefined
}

// oauth4webapi's expected issuer that skips the metadata's check, and its hook for an ID token's
// expected `iss` computed from the token itself: what a multi-tenant issuer needs. Exported by the
// pinned version (openid-client uses them), left out of its type declarations.
declare module 'oauth4webapi' {
  export const _expectedIssuer: unique symbol
  export const _nodiscoverycheck: unique symbol
}

/**
 * Returns a function that discovers the server's metadata on first call and caches it; a failed
 * discovery is not cached, so the next call tries again.
 * @throws {@link AuthError} `issuer_mismatch` when the metadata names another issuer,
 *   `discovery_failed` otherwise (a network failure or timeout is its `cause`).
 */
export function createDiscovery(
  options: DiscoveryOptions,
): () => Promise<oauth.AuthorizationServer> {
  let pending: Promise<oauth.AuthorizationServer> | undefined
  return () => {
    pending ??= discover(options).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

async function discover(options: DiscoveryOptions): Promise<oauth.AuthorizationServer> {
  const what = `Discovery of ${options.issuer.href}`
  const { issuer, acceptTenants } = options
  let as: oauth.AuthorizationServer
  try {
    const response = await oauth.discoveryRequest(issuer, requestOptions(options, options.fetch))
    // A multi-tenant issuer's metadata names a template, checked on demand below.
    as = await oauth.processDiscoveryResponse(
      (acceptTenants ? oauth._nodiscoverycheck : issuer) as URL,
      response,
    )
  } catch (error) {
    if (
      error instanceof oauth.OperationProcessingError &&
      error.code === oauth.JSON_ATTRIBUTE_COMPARISON
    ) {
      const named = (error.cause as { body?: { issuer?: unknown } })?.body?.issuer
      throw new AuthError(
        'issuer_mismatch',
        `${what} failed: the metadata names the issuer ${named}. Configure \`issuer\` exactly so, or set \`multiTenant: true\` for Entra ID's …/{tenantid}/v2.0.`,
      )
    }
    const mapped = toAuthError(error, 'discovery_failed', what)
    throw mapped.code === 'network_error' || mapped.code === 'timeout'
      ? new AuthError('discovery_failed', mapped.message, { cause: mapped })
      : mapped
  }
  const missing = options.required.filter((endpoint) => as[endpoint] === undefined)
  if (missing.length > 0) {
    throw new AuthError(
      'discovery_failed',
      `${what} failed: the metadata lacks ${missing.join(' and ')}.`,
    )
  }
  await acceptTenants?.(as, issuer)
  return as
}
