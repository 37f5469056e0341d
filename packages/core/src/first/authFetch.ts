// fetch() with the access token attached, only for origins the app allowed. The URL is checked
// here, in the first load; the request is sent by protocol/send.ts, which loads on demand.
import type * as oauth from 'oauth4webapi'
import { AuthError } from './errors.js'
import { isLoopback } from './loopback.js'

/** The signature of {@link Auth.authFetch}: the same as `fetch`. */
export type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/**
 * Resolves the request's URL (against the page, in a browser, read only for a URL that is not
 * absolute: one URL parse for the usual `https://api...` call) and checks that its origin is one
 * of `allowed`, compared exactly (scheme, host and port), that it is https (or http on
 * loopback), and that it has no credentials in it (`https://user:password@...`, which fetch
 * refuses).
 * @throws {@link AuthError} `origin_not_allowed` naming the origin to add to `apiOrigins`;
 *   `invalid_argument` for a URL that does not parse (or is relative where there is no page) or
 *   that has credentials in it (the message does not repeat them).
 */
export function checkTokenTarget(
  input: RequestInfo | URL,
  base: URL | undefined | (() => URL | undefined),
  allowed: readonly string[],
): URL {
  const raw = typeof input === 'string' || input instanceof URL ? String(input) : input.url
  // `http:foo` is relative to an http base, `http://` never is.
  const absolute = /^https?:\/\//i.test(raw)
  const page = absolute ? undefined : typeof base === 'function' ? base() : base
  let url: URL
  try {
    url = new URL(raw, page)
  } catch {
    throw new AuthError(
      'invalid_argument',
      `authFetch() was given an invalid URL: "${raw}"${!absolute && page === undefined ? ' (relative URLs need a page to resolve against)' : ''}.`,
    )
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !allowed.includes(url.origin)) {
    throw new AuthError(
      'origin_not_allowed',
      `authFetch() refuses to send a token to ${url.origin}: add it to \`apiOrigins\` if it is your API (allowed: ${allowed.join(', ')}).`,
    )
  }
  if (url.protocol === 'http:' && !isLoopback(url)) {
    throw new AuthError(
      'origin_not_allowed',
      `authFetch() refuses to send a token over plain http to ${url.origin}; use https (http is allowed for localhost only).`,
    )
  }
  if (url.username || url.password) {
    throw new AuthError(
      'invalid_argument',
      'authFetch() was given a URL with credentials in it (user:password@); send them in a header instead.',
    )
  }
  return url
}

/** What a request is sent with: the access token and, for a DPoP-bound one, the DPoP handle. */
export interface Credentials {
  token: string
  dpop: oauth.DPoPHandle | undefined
}

/**
 * Sends `input` (with `init`) to `url`, already checked by {@link checkTokenTarget}, with
 * credentials from `credentials` (called again with the rejected token after an `invalid_token`
 * challenge). Made by protocol/send.ts's `createSender`, which loads on demand.
 */
export type SendWithToken = (
  url: URL,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  credentials: (rejected?: string) => Promise<Credentials>,
) => Promise<Response>

/** What {@link createAuthFetch} needs from the SDK (browser or Node). */
export interface AuthFetchDeps {
  /** The URL relative inputs resolve against (the page), or `undefined` where there is none. */
  base(): URL | undefined
  /** The origins tokens may go to, compared exactly. */
  allowedOrigins(): readonly string[]
  /**
   * Credentials for `url` (already checked) valid for at least the refresh leeway; with
   * `rejected`, new ones after an API rejected that access token as invalid.
   */
  credentials(rejected: string | undefined, url: URL): Promise<Credentials>
  /** What sends the request (protocol/send.ts), loaded on demand in a browser. */
  send(): SendWithToken | Promise<SendWithToken>
}

/**
 * Builds `authFetch`: checks the URL first ({@link checkTokenTarget}), then has `send` build the
 * request, ask for credentials and send it (see {@link SendWithToken}).
 *
 * The returned function rejects with {@link AuthError}: what {@link checkTokenTarget} throws,
 * before any token is asked for or request sent, and what `send` and `credentials` reject with.
 */
export function createAuthFetch(deps: AuthFetchDeps): AuthFetch {
  return async (input, init) => {
    const url = checkTokenTarget(input, deps.base, deps.allowedOrigins())
    return (await deps.send())(url, input, init, (rejected) => deps.credentials(rejected, url))
  }
}
