// Sending an authFetch() request whose URL the first load has checked: the access token attached
// (Bearer, or DPoP with a proof), one retry for an `invalid_token` or DPoP nonce challenge.
import * as oauth from 'oauth4webapi'
import type { SendWithToken } from '../first/authFetch.js'
import type { AuthContext } from '../first/context.js'
import { unreadableNonce } from './dpopNonce.js'
import { AuthError } from './firstLoad.js'
import { stepUp, stepUpRequired } from './stepUp.js'
import { toAuthError } from './toAuthError.js'

/**
 * Builds what sends authFetch's requests, once the URL is checked: through oauth4webapi's protected-resource request (`Authorization: Bearer`, or `DPoP` with a
 * fresh proof). A 401 `invalid_token` challenge gets one refresh and one retry, a DPoP nonce
 * challenge one retry with the nonce.
 *
 * A body that can be read again (string, `Blob`, `FormData`, `URLSearchParams`, `ArrayBuffer`
 * or a typed array) is sent as it is on every attempt; only a stream, or the body of a `Request`
 * passed in, is buffered so a retry can send it again. A `Request` passed in is left unused.
 *
 * The returned function rejects with {@link AuthError}: `invalid_argument` for a request that
 * cannot be built, before any token is asked for; `network_error` when the request does not
 * complete, or when the API asks for a DPoP nonce that the page cannot read (it must send
 * `Access-Control-Expose-Headers: DPoP-Nonce`); `dpop_not_accepted` when the API answers a
 * DPoP-bound token with a 401 that challenges `Bearer` alone; errors of `credentials`. An abort the caller
 * asked for rejects with fetch's own `AbortError`.
 *
 * A 401 `insufficient_user_authentication` challenge (RFC 9470) rejects with `step_up_required`;
 * with `client` (a browser's), whose `stepUp` option may first sign the user in again (see
 * stepUp.ts), after which the request goes once more: a second such challenge rejects.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6750#section-3.1 | RFC 6750 section 3.1},
 *   {@link https://www.rfc-editor.org/rfc/rfc9449#section-9 | RFC 9449 section 9},
 *   {@link https://www.rfc-editor.org/rfc/rfc9470 | RFC 9470}
 */
export function createSender(fetch: typeof globalThis.fetch, client?: AuthContext): SendWithToken {
  return async (url, input, init, credentialsFor) => {
    const what = `authFetch(${url.origin}${url.pathname})`
    // A URL alone (most API reads) is a GET with fetch's defaults, sent without building a
    // Request: it has nothing for one to check. The members it lacks are `undefined`, which fetch()
    // and oauth4webapi take as absent (`redirect` too: fetch's `follow`).
    let request = { method: 'GET' } as Request
    if (init || input instanceof Request) {
      try {
        // A copy of a Request takes its body; a clone leaves the caller's usable.
        request = new Request(input instanceof Request ? input.clone() : url, init)
      } catch (cause) {
        // A GET with a body, a Request whose body was read, a bad option: before any request.
        throw new AuthError('invalid_argument', `${what} was given an unusable request: ${cause}`, {
          cause,
        })
      }
    }
    let body = init?.body
    if (reusable(body)) {
      // fetch() sets a FormData body's Content-Type with a boundary of its own making; the one
      // `request` made names another boundary.
      if (body instanceof FormData) request.headers.delete('content-type')
    } else {
      body = request.body && (await request.arrayBuffer())
    }
    const options: oauth.ProtectedResourceRequestOptions = {
      signal: request.signal,
      // oauth4webapi sets method, headers, body and `redirect: 'manual'`; the rest of the caller's
      // request (credentials, cache, ...) and its redirect choice are passed through.
      [oauth.customFetch]: (target, sent) =>
        fetch(target, {
          credentials: request.credentials,
          cache: request.cache,
          mode: request.mode,
          referrerPolicy: request.referrerPolicy,
          integrity: request.integrity,
          keepalive: request.keepalive,
          ...(sent as RequestInit),
          redirect: request.redirect,
        }),
      ...(url.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {}),
    }
    let credentials = await credentialsFor()
    let nonceRetried = false
    let tokenRetried = false
    let steppedUp = false
    for (;;) {
      try {
        return await oauth.protectedResourceRequest(
          credentials.token,
          request.method,
          url,
          request.headers,
          // oauth4webapi hands the body to fetch() as it is; its type only omits Blob and FormData.
          body as oauth.ProtectedResourceRequestBody,
          credentials.dpop === undefined ? options : { ...options, DPoP: credentials.dpop },
        )
      } catch (error) {
        if (error instanceof oauth.WWWAuthenticateChallengeError) {
          // The handle has remembered the nonce the API sent; the same request goes again.
          if (!nonceRetried && credentials.dpop !== undefined && oauth.isDPoPNonceError(error)) {
            nonceRetried = true
            // Without a nonce to send, the retry would be refused the same way.
            const unreadable = unreadableNonce(error, what)
            if (unreadable) throw unreadable
            continue
          }
          // The API took the token but wants a more recent or stronger sign-in: one step-up per
          // call at most, so an API that no sign-in satisfies cannot make a loop.
          const required = stepUpRequired(error, what)
          if (required) {
            if (steppedUp || !client) throw required
            steppedUp = true
            await stepUp(client, required)
            credentials = await credentialsFor()
            continue
          }
          const { status } = error.response
          // An API that takes DPoP says so with a `DPoP` challenge (RFC 9449 section 7.1); one
          // that answers a bound token with Bearer alone never will, however often it is asked.
          if (
            credentials.dpop !== undefined &&
            status === 401 &&
            error.cause.every((challenge) => challenge.scheme === 'bearer')
          ) {
            throw new AuthError(
              'dpop_not_accepted',
              `${what} refused the DPoP-bound token: this API takes Bearer tokens only (its 401 challenges Bearer alone). Set \`dpop: false\`, or make the API accept DPoP tokens and proofs (RFC 9449).`,
              { status },
            )
          }
          const invalidToken = error.cause.some(
            (challenge) => challenge.parameters.error === 'invalid_token',
          )
          if (!tokenRetried && status === 401 && invalidToken) {
            tokenRetried = true
            credentials = await credentialsFor(credentials.token)
            continue
          }
          // Any other challenge (e.g. 403 insufficient_scope) is the API's answer for the app.
          return error.response
        }
        // An abort the caller asked for keeps fetch's own AbortError.
        if (request.signal?.aborted) throw error
        throw toAuthError(error, 'network_error', what)
      }
    }
  }
}

/** Whether fetch() can send `body` again as it is: anything but a stream (or a Node iterable). */
function reusable(body: BodyInit | null | undefined): boolean {
  return (
    typeof body === 'string' ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body)
  )
}
