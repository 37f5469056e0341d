// Completing an authorization response: validation against its one-time transaction, the code
// exchange and the new session. The same for a redirect, a popup and an iframe.
// Loaded on demand, with the protocol layer, which it takes from `ctx.protocol`.
import type * as oauth from 'oauth4webapi'
import type { RedirectResult } from '../first/auth.js'
import type { ProtocolContext } from '../protocol/context.js'
import type { BoundKey } from '../protocol/dpop.js'
import { safeReturnTo } from './returnTo.js'
import { type TakeResult, type Transaction, transactionsOf } from './transaction.js'

/**
 * Validates the authorization response in `url` against its transaction (taken first, so it is
 * used once), exchanges the code and saves the session. Every failure is shown in the state too.
 * @throws {@link AuthError} `state_mismatch`, `transaction_missing`, `issuer_mismatch`,
 *   `authorization_denied`, `invalid_callback`, `token_request_failed`, `id_token_invalid`,
 *   `network_error`, `timeout`, `discovery_failed`, `storage_unavailable`.
 */
export async function completeCallback(ctx: ProtocolContext, url: URL): Promise<RedirectResult> {
  const { cfg, client, protocol } = ctx
  const { AuthError, RESPONSE_PARAMS, toAuthError, oauth } = protocol
  const { checkTokens, retryOnNonce, sessionFromTokenResponse, tokenRequestOptions } = protocol
  // A signed-in page stays shown while a new sign-in (a popup or silent one, a step-up) completes:
  // `loading` would unmount what a protected route renders, and input typed there.
  if (ctx.sessions.current === null) ctx.loading()
  const params = url.searchParams
  const defect = callbackDefect(params, RESPONSE_PARAMS)
  const ambiguous = () =>
    new AuthError('invalid_callback', `The callback URL is ambiguous: ${defect}.`)
  const state = params.get('state')
  if (state === null || state === '') {
    ctx.fail(
      defect === undefined
        ? new AuthError(
            'state_mismatch',
            'The callback URL has no `state`: it was not started by login() in this browser.',
          )
        : ambiguous(),
    )
  }
  let taken: TakeResult
  try {
    taken = await transactionsOf(ctx).take(state, ctx.platform.now())
  } catch (error) {
    ctx.fail(
      new AuthError(
        'storage_unavailable',
        'handleRedirect() could not read the login transaction: IndexedDB and sessionStorage both failed.',
        { cause: error },
      ),
    )
  }
  if (taken.kind === 'found') {
    ctx.emit?.({
      step: 'server_sign_in',
      ms: ctx.platform.now() - taken.transaction.createdAt,
    })
  }
  ctx.emit?.({ step: 'callback', method: 'GET', url: url.href })
  // Checked after take() so that a tampered response also uses up its transaction.
  if (defect !== undefined) ctx.fail(ambiguous())
  if (taken.kind === 'expired') {
    ctx.fail(
      new AuthError(
        'transaction_missing',
        'This sign-in took longer than 10 minutes and has expired. Please sign in again.',
      ),
    )
  }
  if (taken.kind === 'missing') {
    ctx.fail(
      taken.otherPending
        ? new AuthError(
            'state_mismatch',
            'The callback `state` does not match the sign-in started in this browser (a forged link?); please sign in again.',
          )
        : new AuthError(
            'transaction_missing',
            'No sign-in is pending for this callback: it was already used, or was not started in this browser.',
          ),
    )
  }
  const transaction = taken.transaction
  if (
    transaction.issuer !== cfg.issuer.href &&
    new URL(transaction.issuer).href !== cfg.issuer.href
  ) {
    ctx.fail(
      new AuthError('issuer_mismatch', 'This callback belongs to a sign-in with another issuer.'),
    )
  }

  let as: oauth.AuthorizationServer
  try {
    as = await ctx.discover()
  } catch (error) {
    ctx.fail(toAuthError(error, 'discovery_failed', 'Discovery'))
  }
  let callbackParams: URLSearchParams
  try {
    callbackParams = oauth.validateAuthResponse(as, client, params, transaction.state)
  } catch (error) {
    ctx.fail(callbackError(protocol, error, params, cfg.scope))
  }

  // The exchange and the save run under the refresh lock: a refresh in another tab cannot save
  // its (older) session over this sign-in, and a logout cannot delete the key this sign-in binds.
  const session = await ctx.withRefreshLock(async () => {
    const what = 'The code exchange'
    let tokens: oauth.TokenEndpointResponse
    let claims: oauth.IDToken | undefined
    let dpop: BoundKey | undefined
    try {
      dpop = transaction.dpop ? await ctx.keys.handle() : undefined
      tokens = await retryOnNonce(async () =>
        oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(
            as,
            client,
            oauth.None(),
            callbackParams,
            transaction.redirectUri,
            transaction.codeVerifier,
            tokenRequestOptions(ctx, dpop?.handle),
          ),
          {
            expectedNonce: transaction.nonce ?? oauth.expectNoNonce,
            requireIdToken: transaction.nonce !== undefined,
            ...(transaction.maxAge === undefined ? {} : { maxAge: transaction.maxAge }),
          },
        ),
      )
      claims = checkTokens(ctx, tokens, dpop?.handle, what)
      checkAcr(protocol, transaction, claims)
      ctx.emit?.({ step: 'tokens_validated', params: checksOf(transaction, tokens, claims) })
    } catch (error) {
      ctx.fail(exchangeError(protocol, error, what))
    }
    const session = sessionFromTokenResponse(tokens, claims, ctx.platform.now(), dpop?.jkt)
    if (transaction.relay === 'frame') session.silent = true
    session.apisAsked = transaction.apis ?? []
    await ctx.sessions.save(session)
    return session
  })
  ctx.show(session)
  ctx.tell('login')
  ctx.mark(true)
  return { returnTo: safeReturnTo(transaction.returnTo, ctx.platform.currentUrl().origin) }
}

/**
 * How the response in `url` comes back (see {@link Transaction.relay}), without taking its
 * transaction: `undefined` for a sign-in this page completes itself.
 *
 * A page that cannot read the transaction but has a same-origin opener (a popup) or parent (an
 * iframe) hands the response back too: without IndexedDB the transaction is in the opener's
 * sessionStorage, which a popup copied when it opened, before the sign-in stored it. The window
 * that receives it accepts it only for its own pending sign-in, and validates it.
 */
export async function relayOf(ctx: ProtocolContext, url: URL): Promise<Transaction['relay']> {
  const transaction = await transactionsOf(ctx).find(url.searchParams.get('state') ?? '')
  if (transaction !== undefined) return transaction.relay
  if (typeof window === 'undefined') return undefined
  if (window.name === POPUP_NAME && sameOrigin(window.opener)) return 'popup'
  return window.parent !== window && sameOrigin(window.parent) ? 'frame' : undefined
}

/** The name `openPopupNow()` gives the popup (popupWindow.ts, which loads first: not imported). */
const POPUP_NAME = 'latchkey-sign-in'

/** Whether `other` is a window on this page's origin (reading a cross-origin one throws). */
function sameOrigin(other: Window | null): boolean {
  try {
    return other !== null && other.location.origin === window.location.origin
  } catch {
    return false
  }
}

/** Classifies a failed authorization response check. */
function callbackError(
  { AuthError, oauth, toAuthError }: ProtocolContext['protocol'],
  error: unknown,
  params: URLSearchParams,
  scope: string,
) {
  if (error instanceof oauth.AuthorizationResponseError) {
    const description = error.error_description
    return new AuthError(
      'authorization_denied',
      `The authorization server refused the sign-in: ${error.error}${description ? ` (${description})` : ''}.${/invalid_scope/.test(`${error.error} ${description}`) ? scopeAdvice(scope) : ''}`,
      description === undefined
        ? { error: error.error }
        : { error: error.error, errorDescription: description },
    )
  }
  if (error instanceof oauth.OperationProcessingError && /"iss"/.test(error.message)) {
    return new AuthError(
      'issuer_mismatch',
      params.has('iss')
        ? "The callback's `iss` does not name the issuer this sign-in was started with (RFC 9207): possible mix-up attack."
        : 'The callback has no `iss` although the server promises one (RFC 9207).',
    )
  }
  if (error instanceof oauth.OperationProcessingError && /"state"/.test(error.message)) {
    return new AuthError('state_mismatch', 'The callback `state` does not match its sign-in.')
  }
  return toAuthError(error, 'invalid_callback', 'The callback')
}

/**
 * Checks the ID token's `acr` against the `acr_values` a sign-in asked for with `acrValues`
 * (oauth4webapi checks `auth_time` against `max_age`; `acr` is left to the client).
 * @throws {@link AuthError} `id_token_invalid` when `acr` is none of them, or there is no ID token.
 * @see {@link https://openid.net/specs/openid-connect-core-1_0.html#IDToken | OpenID Connect Core 2}
 */
function checkAcr(
  { AuthError }: ProtocolContext['protocol'],
  { acrValues }: Transaction,
  claims: oauth.IDToken | undefined,
): void {
  const acr = claims?.acr
  if (acrValues === undefined || (typeof acr === 'string' && acrValues.includes(acr))) return
  throw new AuthError(
    'id_token_invalid',
    `The sign-in asked for acr_values "${acrValues.join(' ')}", but the ID token's acr is ${typeof acr === 'string' ? `"${acr}"` : 'missing'}: the server did not authenticate the user at that level.`,
  )
}

/** What was checked of a code exchange's tokens, for the `tokens_validated` event. */
function checksOf(
  transaction: Transaction,
  tokens: oauth.TokenEndpointResponse,
  claims: oauth.IDToken | undefined,
): Record<string, string> {
  const checks: Record<string, string> = {
    token_type: tokens.token_type === 'dpop' ? "dpop: bound to this browser's key" : 'bearer',
  }
  if (claims !== undefined) {
    checks.id_token_claims = `iss, aud, exp, iat${transaction.nonce === undefined ? '' : ', nonce'}${transaction.maxAge === undefined ? '' : ', auth_time'}${transaction.acrValues === undefined ? '' : ', acr'}`
    checks.id_token_signature =
      'not needed: the ID token came straight from the token endpoint (OpenID Connect Core 3.1.3.7)'
    checks.sub = claims.sub
  }
  return checks
}

/**
 * Finds what makes an authorization response ambiguous: a response parameter (one of
 * `responseParams`) given twice, or both a `code` and an `error`. Returns a description of the
 * defect, or `undefined`.
 */
export function callbackDefect(
  params: URLSearchParams,
  responseParams: readonly string[],
): string | undefined {
  for (const name of responseParams) {
    if (params.getAll(name).length > 1) return `the \`${name}\` parameter appears more than once`
  }
  if (params.has('code') && params.has('error')) return 'it carries both a `code` and an `error`'
  return undefined
}

const GUIDE = 'See docs/guides/providers.md.'

/**
 * What to do about a refused `scope` (`invalid_scope`, or Amazon Cognito's `invalid_request` with
 * the description `invalid_scope`): most often the `offline_access` Latchkey asks for by default.
 */
function scopeAdvice(scope: string): string {
  return scope.split(' ').includes('offline_access')
    ? ` The provider refused a scope of "${scope}": some (Google) do not take \`offline_access\`, which Latchkey requests by default; set \`scope\` without it. ${GUIDE}`
    : ` Set \`scope\` to scopes this client may request ("${scope}" was refused). ${GUIDE}`
}

/**
 * Classifies a failed code exchange. A token endpoint that wants the client to authenticate
 * (`invalid_client`, a 401, or a description asking for `client_secret` as Google's does) has this
 * app registered as a confidential client, which a browser app cannot be: the message says so.
 * @see {@link https://www.rfc-editor.org/rfc/rfc6749#section-5.2 | RFC 6749 section 5.2}
 */
function exchangeError(
  { AuthError, tokenError }: ProtocolContext['protocol'],
  error: unknown,
  what: string,
) {
  const mapped = tokenError(error, what)
  const demandsSecret =
    (mapped.status === 401 && !/dpop/.test(mapped.error ?? '')) ||
    mapped.error === 'invalid_client' ||
    /client_secret|client_assertion/i.test(mapped.error_description ?? '')
  if (mapped.code !== 'token_request_failed' || !demandsSecret) return mapped
  return new AuthError(
    'token_request_failed',
    `${mapped.message} The token endpoint wants a client secret: the provider registered this app as a confidential client, and a browser app cannot keep a secret. Register it as a public client (single-page application: no secret, PKCE); where the provider has none (Google's web clients), sign in through a backend. ${GUIDE}`,
    {
      ...(mapped.error === undefined ? {} : { error: mapped.error }),
      ...(mapped.error_description === undefined
        ? {}
        : { errorDescription: mapped.error_description }),
      ...(mapped.status === undefined ? {} : { status: mapped.status }),
    },
  )
}
