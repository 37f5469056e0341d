// Token-endpoint requests of the browser client: the code exchange's and refresh's shared checks.
import * as oauth from 'oauth4webapi'
import type { AuthContext } from '../first/context.js'
import type { Session } from '../first/session.js'
import type { ProtocolContext } from './context.js'
import { requestOptions } from './discovery.js'
import { unreadableNonce } from './dpopNonce.js'
import { AuthError } from './firstLoad.js'
import { toAuthError } from './toAuthError.js'

/**
 * Builds a session from a token response that oauth4webapi has already validated.
 * @param dpopJkt the thumbprint of the DPoP key the token request was made with, if any.
 */
export function sessionFromTokenResponse(
  response: oauth.TokenEndpointResponse,
  claims: oauth.IDToken | undefined,
  now: number,
  dpopJkt: string | undefined,
  previous?: Session,
): Session {
  const session: Session = {
    accessToken: response.access_token,
    tokenType: response.token_type,
    issuedAt: now,
    expiresAt: typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : null,
    user: claims ? { ...claims, sub: claims.sub } : (previous?.user ?? null),
    refreshedAt: previous?.refreshedAt ?? null,
    refreshedBy: previous?.refreshedBy ?? null,
  }
  // A refresh response may omit what did not change: keep the previous refresh and ID tokens.
  const refreshToken = response.refresh_token ?? previous?.refreshToken
  const idToken = response.id_token ?? previous?.idToken
  const scope = response.scope ?? previous?.scope
  if (refreshToken !== undefined) session.refreshToken = refreshToken
  if (idToken !== undefined) session.idToken = idToken
  if (scope !== undefined) session.scope = scope
  if (dpopJkt !== undefined) session.dpopJkt = dpopJkt
  if (previous?.silent) session.silent = true
  // The `apis`' tokens come from the same grant: a refresh keeps them, and what it asked for.
  if (previous?.apis !== undefined) session.apis = previous.apis
  if (previous?.apisAsked !== undefined) session.apisAsked = previous.apisAsked
  return session
}

/**
 * Options of a token-endpoint request: timeout, fetch, the DPoP handle if any, and `parameters`
 * (by default the configured `resource`).
 */
export function tokenRequestOptions(
  ctx: AuthContext,
  dpop: oauth.DPoPHandle | undefined,
  parameters: Record<string, string> | undefined = ctx.cfg.resource === undefined
    ? undefined
    : { resource: ctx.cfg.resource },
): oauth.TokenEndpointRequestOptions {
  return {
    ...requestOptions(ctx.cfg, ctx.platform.fetch),
    ...(parameters === undefined ? {} : { additionalParameters: parameters }),
    ...(dpop === undefined ? {} : { DPoP: dpop }),
  }
}

/** Sends a token request again, once, when the server asked for a DPoP nonce (RFC 9449 section 8). */
export async function retryOnNonce<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send()
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error
    // A nonce this page cannot read would make the retry fail the same way: say what to fix.
    const unreadable = unreadableNonce(error, 'The token request')
    if (unreadable !== undefined) throw unreadable
    return send()
  }
}

/**
 * Checks what oauth4webapi leaves to the caller: the token type must be one the SDK can use
 * (Bearer without a proof; with a proof DPoP, or Bearer when the server bound only the refresh
 * token, RFC 9449 section 5), and an ID token must not be issued in the future (`iat` beyond
 * `clockTolerance`: minted with a wrong clock, or ahead of time to outlive its `exp` check).
 * @returns the validated ID-token claims, if an ID token came.
 */
export function checkTokens(
  ctx: AuthContext,
  tokens: oauth.TokenEndpointResponse,
  dpop: oauth.DPoPHandle | undefined,
  what: string,
): oauth.IDToken | undefined {
  if (tokens.token_type !== 'bearer' && (dpop === undefined || tokens.token_type !== 'dpop')) {
    throw new AuthError(
      'token_request_failed',
      `${what} returned a "${tokens.token_type}" token where a Bearer token was requested.`,
    )
  }
  const claims = oauth.getValidatedIdTokenClaims(tokens)
  if (claims !== undefined && claims.iat > ctx.platform.now() / 1000 + ctx.cfg.clockTolerance) {
    throw new AuthError(
      'id_token_invalid',
      'The ID token was issued in the future ("iat"); check the device\'s and the server\'s clocks, or raise `clockTolerance`.',
    )
  }
  return claims
}

/** Classifies a failed token request or response: bad ID tokens get their own code. */
export function tokenError(error: unknown, what: string): AuthError {
  if (
    error instanceof oauth.OperationProcessingError &&
    (error.code === oauth.JWT_CLAIM_COMPARISON ||
      error.code === oauth.JWT_TIMESTAMP_CHECK ||
      /ID Token|JWT/.test(error.message))
  ) {
    return new AuthError(
      'id_token_invalid',
      `${what} returned an ID token that failed validation: ${error.message}.`,
    )
  }
  if (error instanceof oauth.ResponseBodyError && error.error === 'invalid_dpop_proof') {
    return toAuthError(
      error,
      'token_request_failed',
      `${what} (DPoP proof refused: check the device's clock)`,
    )
  }
  return toAuthError(error, 'token_request_failed', what)
}

/**
 * The refresh-token grant (RFC 6749 section 6): a proof from the session's own key when it is
 * bound, the same checks as the code exchange, and the same user.
 * @param parameters the request's own (by default the configured `resource`): one of the `apis`
 *   asks with its `resource` and `scope` (RFC 8707 section 2.2, protocol/apiTokens.ts).
 * @throws {@link AuthError} as classified by {@link tokenError}; `session_expired` when the
 *   refreshed ID token names another user.
 */
export async function refreshGrant(
  ctx: ProtocolContext,
  refreshToken: string,
  previous: Session,
  parameters?: Record<string, string>,
): Promise<Session> {
  const { client } = ctx
  const what = 'The token refresh'
  const jkt = previous.dpopJkt
  const dpop = jkt === undefined ? undefined : await ctx.keys.forSession(jkt)
  let tokens: oauth.TokenEndpointResponse
  let claims: oauth.IDToken | undefined
  try {
    const as = await ctx.discover()
    tokens = await retryOnNonce(async () =>
      oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(
          as,
          client,
          oauth.None(),
          refreshToken,
          tokenRequestOptions(ctx, dpop, ...(parameters ? [parameters] : [])),
        ),
      ),
    )
    claims = checkTokens(ctx, tokens, dpop, what)
  } catch (error) {
    throw tokenError(error, what)
  }
  if (claims !== undefined && previous.user !== null && claims.sub !== previous.user.sub) {
    throw new AuthError(
      'session_expired',
      'The refreshed ID token names another user than the session; the session was ended.',
    )
  }
  const now = ctx.platform.now()
  return {
    ...sessionFromTokenResponse(tokens, claims, now, jkt, previous),
    refreshedAt: now,
    refreshedBy: ctx.tabId,
  }
}
