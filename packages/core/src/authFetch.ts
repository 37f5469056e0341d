// fetch() with the access token attached, only for origins the app allowed.
import { AuthError } from './errors.js'

/** The signature of {@link Auth.authFetch}: the same as `fetch`. */
export type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/**
 * Resolves the request's URL against the page and checks that its origin is one of `allowed`,
 * compared exactly (scheme, host and port).
 * @throws {@link AuthError} `origin_not_allowed` naming the origin to add to `apiOrigins`.
 */
export function checkTokenTarget(
  input: RequestInfo | URL,
  base: URL,
  allowed: readonly string[],
): URL {
  const raw = typeof input === 'string' || input instanceof URL ? String(input) : input.url
  let url: URL
  try {
    url = new URL(raw, base)
  } catch {
    throw new AuthError('invalid_argument', `authFetch() was given an invalid URL: "${raw}".`)
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !allowed.includes(url.origin)) {
    throw new AuthError(
      'origin_not_allowed',
      `authFetch() refuses to send a token to ${url.origin}: add it to \`apiOrigins\` if it is your API (allowed: ${allowed.join(', ')}).`,
    )
  }
  return url
}

/** What {@link createAuthFetch} needs from the SDK. */
export interface AuthFetchDeps {
  fetch: typeof fetch
  currentUrl(): URL
  apiOrigins: readonly string[]
  getAccessToken(): Promise<string>
}

/** Builds `authFetch`: checks the origin first, then attaches `Authorization: Bearer`. */
export function createAuthFetch(deps: AuthFetchDeps): AuthFetch {
  return async (input, init) => {
    const page = deps.currentUrl()
    const url = checkTokenTarget(input, page, [page.origin, ...deps.apiOrigins])
    const token = await deps.getAccessToken()
    const request = new Request(input instanceof Request ? input : url, init)
    request.headers.set('authorization', `Bearer ${token}`)
    return deps.fetch(request)
  }
}
