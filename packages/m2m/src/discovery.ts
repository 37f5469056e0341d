// Authorization server metadata for the token endpoint, discovered once through oauth4webapi.
import { AuthError } from '@latchkey/core/internal'
import * as oauth from 'oauth4webapi'
import type { ResolvedConfig } from './config.js'
import { requestError } from './lib/requestError.js'

/** The options every oauth4webapi request gets: timeout, fetch, and http only for loopback. */
export function requestOptions(config: ResolvedConfig) {
  return {
    signal: () => AbortSignal.timeout(config.timeoutMs),
    [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
      config.fetch(url, init as RequestInit),
    ...(config.insecureLoopback ? { [oauth.allowInsecureRequests]: true } : {}),
  }
}

/**
 * Returns a function that discovers the server's metadata on first call and caches it; a failed
 * discovery is not cached, so the next call (or retry) tries again. Unlike the browser package it
 * needs no `authorization_endpoint`: a server for machine clients may have none.
 */
export function createDiscovery(config: ResolvedConfig): () => Promise<oauth.AuthorizationServer> {
  let pending: Promise<oauth.AuthorizationServer> | undefined
  return () => {
    pending ??= discover(config).catch((error: unknown) => {
      pending = undefined
      throw error
    })
    return pending
  }
}

async function discover(config: ResolvedConfig): Promise<oauth.AuthorizationServer> {
  const what = `Discovery of ${config.issuer.href}`
  let as: oauth.AuthorizationServer
  try {
    const response = await oauth.discoveryRequest(config.issuer, requestOptions(config))
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
    const mapped = await requestError(error, 'discovery_failed', what)
    // Kept as the cause so the retry policy still sees a network failure or timeout.
    throw mapped.code === 'network_error' || mapped.code === 'timeout'
      ? new AuthError('discovery_failed', mapped.message, { cause: mapped })
      : mapped
  }
  if (as.token_endpoint === undefined) {
    throw new AuthError('discovery_failed', `${what} failed: the metadata lacks a token_endpoint.`)
  }
  return as
}
