// Pushed authorization requests (RFC 9126): whether a sign-in pushes its request (the `par`
// option, checked here since only sign-ins load it), and the push itself, through oauth4webapi.
// Loaded on demand with the authorization request, whose only helper it is.
import type * as oauth from 'oauth4webapi'
import type { ProtocolContext } from '../protocol/context.js'

/**
 * Whether this sign-in pushes its request, per `par` and the server's metadata.
 * @throws {@link AuthError} `config_invalid` for a `par` that is not `'auto'`, `true` or `false`,
 *   for `par: true` against a server without `pushed_authorization_request_endpoint`, and for
 *   `par: false` against one whose metadata says `require_pushed_authorization_requests`;
 *   `discovery_failed` for metadata that requires pushed requests and names no endpoint.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9126#section-5 | RFC 9126 section 5}
 */
export function usePar(ctx: ProtocolContext, as: oauth.AuthorizationServer): boolean {
  const { par = 'auto' } = ctx.cfg
  const { AuthError } = ctx.protocol
  const endpoint = typeof as.pushed_authorization_request_endpoint === 'string'
  const required = as.require_pushed_authorization_requests === true
  const problem =
    par !== 'auto' && typeof par !== 'boolean'
      ? `\`par\` must be "auto" or true or false (got ${JSON.stringify(par)}).`
      : par === false && required
        ? "`par: false`, but the server requires pushed authorization requests (require_pushed_authorization_requests); use par: 'auto'."
        : par === true && !endpoint
          ? "`par: true`, but the server has no pushed_authorization_request_endpoint; use par: 'auto' to send the request in the URL instead."
          : undefined
  if (problem) throw new AuthError('config_invalid', `Invalid Latchkey configuration: ${problem}`)
  if (par !== false && required && !endpoint) {
    throw new AuthError(
      'discovery_failed',
      "The server's metadata says require_pushed_authorization_requests but names no pushed_authorization_request_endpoint.",
    )
  }
  return par !== false && endpoint
}

/**
 * POSTs the authorization request's `params` to the server's pushed authorization request
 * endpoint, with a proof of `dpop` when given (which binds the code to its key, as `dpop_jkt`
 * does; one retry when the server asks for a DPoP nonce).
 * @returns the `request_uri` the browser takes to the authorization endpoint.
 * @throws {@link AuthError} `authorization_denied` when the server refuses the request (its
 *   `error`, `error_description` and `status` kept) or answers something else than a pushed
 *   authorization response; `network_error` and `timeout` when it does not answer.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9126#section-2 | RFC 9126 section 2},
 *   {@link https://www.rfc-editor.org/rfc/rfc9449#section-10.1 | RFC 9449 section 10.1}
 */
export async function pushAuthorizationRequest(
  ctx: ProtocolContext,
  as: oauth.AuthorizationServer,
  params: URLSearchParams,
  dpop: oauth.DPoPHandle | undefined,
): Promise<string> {
  const { oauth, requestOptions, retryOnNonce, toAuthError } = ctx.protocol
  const options = {
    ...requestOptions(ctx.cfg, ctx.platform.fetch),
    ...(dpop === undefined ? {} : { DPoP: dpop }),
  }
  try {
    const response = await retryOnNonce(async () =>
      oauth.processPushedAuthorizationResponse(
        as,
        ctx.client,
        await oauth.pushedAuthorizationRequest(as, ctx.client, oauth.None(), params, options),
      ),
    )
    return response.request_uri
  } catch (error) {
    throw toAuthError(error, 'authorization_denied', 'The pushed authorization request')
  }
}
