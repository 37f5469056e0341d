// Where the app goes after a sign-in: `returnTo`, checked. Loaded on demand with the flows that
// use it; it imports nothing at runtime (the error class is handed in).
import type { AuthError } from '../first/errors.js'

// Control characters and backslashes, raw or percent-encoded, in the path: browsers and servers
// disagree on how to read them there, which is how "/\evil.example" or "/%09/evil.example" become
// open redirects. In the query and fragment they are only data (`?dir=C%3A%5Creports`), so they pass.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const SUSPICIOUS = /[\u0000-\u001f\u007f\\]|%(?:[01][0-9a-f]|7f|5c)/i

/** `value` as a path on `origin` (path, query and fragment), or `undefined` when it is none. */
function returnPath(value: unknown, origin: string): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return
  if (SUSPICIOUS.test(value.split(/[?#]/, 1)[0] as string)) return
  let url: URL
  try {
    url = new URL(value, origin)
  } catch {
    return
  }
  // "/..//evil.example" normalises to "//evil.example", which a browser reads as another host.
  if (url.origin !== origin || url.pathname.startsWith('//')) return
  return `${url.pathname}${url.search}${url.hash}`
}

/**
 * Checks that `value` is a path on the app's own origin and returns it normalised
 * (path, query and fragment). Only paths are accepted, never absolute or protocol-relative URLs,
 * so `returnTo` cannot become an open redirect.
 * @param Failure the SDK's error class.
 * @throws {@link AuthError} `invalid_argument` when `value` is anything else.
 */
export function sanitizeReturnTo(
  value: unknown,
  origin: string,
  Failure: typeof AuthError,
): string {
  const path = returnPath(value, origin)
  if (path === undefined) {
    throw new Failure(
      'invalid_argument',
      'returnTo must be a path on this app\'s origin, such as "/account?tab=2" (absolute URLs, "//host", and backslashes or control characters in the path are refused).',
    )
  }
  return path
}

/**
 * Checks `logout({ returnTo })`: any URL on the app's own origin (the server redirects there after
 * ending its session), resolved against `page`.
 * @param Failure the SDK's error class.
 * @returns the absolute URL.
 * @throws {@link AuthError} `invalid_argument` for a URL on another origin, or none.
 */
export function sanitizeLogoutReturnTo(
  value: unknown,
  page: URL,
  Failure: typeof AuthError,
): string {
  let url: URL | undefined
  try {
    url = new URL(value as string, page)
  } catch {}
  if (url?.origin !== page.origin) {
    throw new Failure('invalid_argument', "logout() returnTo must be a URL on this app's origin.")
  }
  return url.href
}

/** Like {@link sanitizeReturnTo}, but falls back to `/` instead of throwing. */
export function safeReturnTo(value: unknown, origin: string): string {
  return returnPath(value, origin) ?? '/'
}
