// Authorization server metadata, discovered once per issuer through oauth4webapi.
import * as oauth from 'oauth4webapi'
import type { ResolvedConfig } from './config.js'
import { AuthError } from './errors.js'
import { toAuthError } from './lib/toAuthError.js'
import type { Platform } from './platform.js'

/** The options every oauth4webapi request gets: timeout, fetch, and http only for loopback. */
export function requestOptions(config: ResolvedConfig, platform: Platform) {
  return {
    signal: () => AbortSignal.timeout(config.timeoutMs),
    // oauth4webapi's fetch options are a RequestInit with optional members spelled out.
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      platform.fetch(url, init as RequestInit),
    ...(config.insecureLoopback ? { [oauth.allowInsecureRequests]: true } : {}),
  }
}

/**
 * Returns a function that discovers the server's metadata on first call and caches it; a failed
 * discovery is not cached, so the next call tries again.
 */
export function createDiscovery(
  config: ResolvedConfig,
  platform: Platform,
): () => Promise<oauth.AuthorizationServer> {
  let pending: Promise<oauth.AuthorizationServer> | undefined
  return () => {
    pending ??= discover(config, platform).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

async function discover(
  config: ResolvedConfig,
  platform: Platform,
): Promise<oauth.AuthorizationServer> {
  const what = `Discovery of ${config.issuer.href}`
  let as: oauth.AuthorizationServer
  try {
    const response = await oauth.discoveryRequest(config.issuer, requestOptions(config, platform))
    as = await oauth.processDiscoveryResponse(config.issuer, response)
  } catch (error) {
    if (
      error instanceof oauth.OperationProcessingError &&
      error.code === oauth.JSON_ATTRIBUTE_COMPARISON
    ) {
      throw new AuthError(
        'issuer_mismatch',
        `${what} failed: the metadata's "issuer" does not equal the configured issuer. Configure the issuer exactly as the server names itself.`,
      )
    }
    const mapped = toAuthError(error, 'discovery_failed', what)
    throw mapped.code === 'network_error' || mapped.code === 'timeout'
      ? new AuthError('discovery_failed', mapped.message, { cause: mapped })
      : mapped
  }
  if (as.authorization_endpoint === undefined || as.token_endpoint === undefined) {
    throw new AuthError(
      'discovery_failed',
      `${what} failed: the metadata lacks an authorization_endpoint or token_endpoint.`,
    )
  }
  return as
}
