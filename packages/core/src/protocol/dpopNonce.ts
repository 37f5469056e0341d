// DPoP nonce challenges that cannot be answered, shared by authFetch and the token requests.
import * as oauth from 'oauth4webapi'
import { AuthError } from './firstLoad.js'

/**
 * Tells a DPoP nonce challenge that cannot be answered: the server asked for a nonce
 * (`use_dpop_nonce`, in a `WWW-Authenticate` challenge or a token endpoint's error body) but its
 * response has no `DPoP-Nonce` header this page can read. The usual cause is CORS: a server on
 * another origin that does not list the header in `Access-Control-Expose-Headers`. A retry would
 * go without the nonce and be refused again, so callers reject with the returned error instead.
 * @param error what oauth4webapi threw.
 * @param what a short description of the step, used in the message.
 * @returns an {@link AuthError} `network_error` (browsers report other CORS failures as network
 *   errors too) with the response's `status` and `error: 'use_dpop_nonce'`; `undefined` when
 *   `error` is no nonce challenge, or one whose nonce can be read and retried with.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9449#section-8 | RFC 9449 section 8}
 */
export function unreadableNonce(error: unknown, what: string): AuthError | undefined {
  if (!oauth.isDPoPNonceError(error)) return undefined
  const { response } = error as oauth.ResponseBodyError | oauth.WWWAuthenticateChallengeError
  if (response.headers.get('dpop-nonce')) return undefined
  return new AuthError(
    'network_error',
    `${what} failed: the server's DPoP-Nonce header cannot be read; it must send "Access-Control-Expose-Headers: DPoP-Nonce, WWW-Authenticate".`,
    { status: response.status, error: 'use_dpop_nonce' },
  )
}
