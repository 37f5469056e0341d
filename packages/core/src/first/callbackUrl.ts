// Recognising an authorization response on the redirect URI, and removing it from the address bar.

/** The parameters an authorization response may add to the redirect URI. */
export const RESPONSE_PARAMS = [
  'code',
  'state',
  'iss',
  'error',
  'error_description',
  'error_uri',
  'session_state',
]

/**
 * Tells whether `url` is an authorization response for `redirectUrl`: same origin and path, and
 * carrying a `code`, `state` or `error` parameter.
 */
export function isCallbackUrl(url: URL, redirectUrl: URL): boolean {
  if (url.origin !== redirectUrl.origin || url.pathname !== redirectUrl.pathname) return false
  return ['code', 'state', 'error'].some((name) => url.searchParams.has(name))
}

/** Returns `url` without the authorization response parameters, keeping everything else. */
export function stripCallbackParams(url: URL): string {
  const clean = new URL(url.href)
  for (const name of RESPONSE_PARAMS) clean.searchParams.delete(name)
  // URLSearchParams leaves a bare "?" behind when it empties the query.
  if (clean.searchParams.size === 0) clean.search = ''
  return clean.href
}
