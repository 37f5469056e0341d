import { AuthError } from './errors.js'

// Control characters and backslashes, raw or percent-encoded: browsers and servers disagree on how
// to read them, which is how "/\evil.example" or "/%09/evil.example" become open redirects.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
const SUSPICIOUS = /[\u0000-\u001f\u007f\\]|%(?:[01][0-9a-f]|7f|5c)/i

/**
 * Checks that `value` is a path on the app's own origin and returns it normalised
 * (path, query and fragment). Only paths are accepted, never absolute or protocol-relative URLs,
 * so `returnTo` cannot become an open redirect.
 * @throws {@link AuthError} `invalid_argument` when `value` is anything else.
 */
export function sanitizeReturnTo(value: unknown, origin: string): string {
  const refuse = () =>
    new AuthError(
      'invalid_argument',
      'returnTo must be a path on this app\'s origin, such as "/account?tab=2" (absolute URLs, "//host" and backslashes are refused).',
    )
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) throw refuse()
  if (SUSPICIOUS.test(value)) throw refuse()
  let url: URL
  try {
    url = new URL(value, origin)
  } catch {
    throw refuse()
  }
  if (url.origin !== origin) throw refuse()
  return `${url.pathname}${url.search}${url.hash}`
}

/** Like {@link sanitizeReturnTo}, but falls back to `/` instead of throwing. */
export function safeReturnTo(value: unknown, origin: string): string {
  try {
    return sanitizeReturnTo(value, origin)
  } catch {
    return '/'
  }
}
