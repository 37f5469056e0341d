// Recognising an authorization response on the redirect URI, and removing it from the address bar.

/** The parameters an authorization response may add to the redirect URI. */
const RESPONSE_PARAMS = [
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

/**
 * Finds what makes an authorization response ambiguous: a response parameter given twice, or both
 * a `code` and an `error`. Returns a description of the defect, or `undefined`.
 */
export function callbackDefect(params: URLSearchParams): string | undefined {
  for (const name of RESPONSE_PARAMS) {
    if (params.getAll(name).length > 1) return `the \`${name}\` parameter appears more than once`
  }
  if (params.has('code') && params.has('error')) return 'it carries both a `code` and an `error`'
  return undefined
}
