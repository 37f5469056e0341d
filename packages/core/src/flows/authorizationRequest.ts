// The authorization request (RFC 6749 section 4.1.1 with PKCE), shared by redirect, popup and iframe.
// Loaded on demand (fetched in the background a second after the page knows nobody is signed in,
// unless a logout is leaving for the end-session endpoint), with the protocol layer.
import type * as oauth from 'oauth4webapi'
import type { LoginOptions } from '../first/auth.js'
import type { ProtocolContext } from '../protocol/context.js'
import type { BoundKey } from '../protocol/dpop.js'
import { AUTHORIZATION_PARAMS, checkAcrValues, checkMaxAge, mergeParams } from './extraParams.js'
import { pushAuthorizationRequest, usePar } from './pushedAuthorization.js'
import { sanitizeReturnTo } from './returnTo.js'
import { type Transaction, transactionsOf } from './transaction.js'

/** A started authorization request: where to send the browser, and its `state`. */
export interface AuthorizationRequest {
  url: string
  state: string
}

/**
 * Checks the options, stores a one-time transaction and builds the authorization URL; with a
 * pushed authorization request (the `par` option), pushes the request first and builds the URL
 * with `client_id` and `request_uri` alone.
 * @param relay how the response comes back when not by a redirect of this page: through a popup
 *   or an iframe, whose callback page hands it to this page.
 * @throws {@link AuthError} `invalid_argument` (bad options or `params`), `config_invalid` (bad
 *   `authorizationParams`, `dpop: true` against a server without DPoP, a `par` the server cannot
 *   follow), `authorization_denied` (the pushed request refused), `storage_unavailable`, and what
 *   discovery throws.
 */
export async function startAuthorization(
  ctx: ProtocolContext,
  options: LoginOptions,
  relay?: Transaction['relay'],
): Promise<AuthorizationRequest> {
  const { cfg, platform } = ctx
  const transactions = transactionsOf(ctx)
  const { AuthError, isCallbackUrl, oauth } = ctx.protocol
  const page = platform.currentUrl()
  const returnTo =
    options.returnTo === undefined
      ? isCallbackUrl(page, cfg.redirectUrl)
        ? '/'
        : `${page.pathname}${page.search}${page.hash}`
      : sanitizeReturnTo(options.returnTo, page.origin, AuthError)
  const { maxAge, acrValues } = options
  checkMaxAge(maxAge, AuthError)
  checkAcrValues(acrValues, AuthError)
  // The client's own parameters (Auth0's `audience`, say) go with every sign-in, the silent ones
  // included; a call's own merge over them.
  const extra = mergeParams(
    ctx,
    'authorizationParams',
    relay === undefined ? 'login()' : relay === 'popup' ? 'loginWithPopup()' : 'loginSilently()',
    options.params,
    AUTHORIZATION_PARAMS,
  )

  const as = await ctx.discover()
  // The `apis`' resources and scopes come with every sign-in (RFC 8707 section 2.1): their tokens
  // are got later with this grant's refresh token.
  const apis =
    cfg.apis.length === 0
      ? []
      : (
          await import('../protocol/apiTokens.js').catch((error: unknown) => {
            throw ctx.protocol.toAuthError(error, 'network_error', 'Loading the tokens of `apis`')
          })
        ).checkApis(ctx)
  const pushed = usePar(ctx, as)
  const dpop = await dpopForNewSession(ctx, as)
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = cfg.scope.split(' ').includes('openid') ? oauth.generateRandomNonce() : undefined
  try {
    await transactions.purgeExpired(platform.now())
    await transactions.save({
      state,
      // The configured issuer: a multi-tenant one's metadata names a template (see `multiTenant`).
      issuer: cfg.issuer.href,
      clientId: cfg.clientId,
      redirectUri: cfg.redirectUri,
      codeVerifier,
      ...(nonce === undefined ? {} : { nonce }),
      dpop: dpop !== undefined,
      ...(maxAge === undefined ? {} : { maxAge }),
      ...(acrValues === undefined ? {} : { acrValues: [...acrValues] }),
      apis: apis.map((api) => api.asked),
      ...(relay === undefined ? {} : { relay }),
      returnTo,
      createdAt: platform.now(),
    })
  } catch (error) {
    throw new AuthError(
      'storage_unavailable',
      'The sign-in could not store its one-time transaction: IndexedDB and sessionStorage both refused it.',
      { cause: error },
    )
  }

  const params = new URLSearchParams()
  params.set('client_id', cfg.clientId)
  params.set('redirect_uri', cfg.redirectUri)
  params.set('response_type', 'code')
  params.set(
    'scope',
    [...new Set([cfg.scope, ...apis.map((api) => api.scope ?? '')].join(' ').split(/\s+/))]
      .join(' ')
      .trim(),
  )
  params.set('state', state)
  if (nonce !== undefined) params.set('nonce', nonce)
  const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier)
  ctx.emit?.({
    step: 'pkce',
    params: {
      code_verifier: codeVerifier,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    },
  })
  params.set('code_challenge', codeChallenge)
  params.set('code_challenge_method', 'S256')
  for (const resource of new Set([cfg.resource, ...apis.map((api) => api.resource)])) {
    if (resource !== undefined) params.append('resource', resource)
  }
  // Binds the authorization code to this key (RFC 9449 section 10). A key that IndexedDB refused
  // lives in this page only: a redirect's callback page will have another, so its code stays
  // unbound; a popup or iframe hands the code back to this page, which has the key.
  const bound = dpop !== undefined && (ctx.keys.persistent || relay !== undefined)
  if (bound) params.set('dpop_jkt', dpop.jkt)
  if (options.prompt !== undefined) params.set('prompt', options.prompt)
  if (options.loginHint !== undefined) params.set('login_hint', options.loginHint)
  if (maxAge !== undefined) params.set('max_age', String(maxAge))
  for (const [name, value] of Object.entries(extra)) params.set(name, value)
  // After `params`: what is sent is what the ID token's `acr` is checked against.
  if (acrValues !== undefined) params.set('acr_values', acrValues.join(' '))
  const url = new URL(as.authorization_endpoint as string)
  // Pushed (RFC 9126), the request's parameters go in a POST, with a proof from the key the code
  // is bound to (RFC 9449 section 10.1); the browser takes only the reference to them.
  let query = params
  if (pushed) {
    const requestUri = await pushAuthorizationRequest(
      ctx,
      as,
      params,
      bound ? dpop.handle : undefined,
    ).catch(async (error: unknown) => {
      // No response will come for this transaction.
      await transactions.take(state, 0).catch(() => undefined)
      throw error
    })
    query = new URLSearchParams({ client_id: cfg.clientId, request_uri: requestUri })
  }
  // `resource` may come more than once: each replaces the endpoint's own query value of its name.
  for (const name of new Set(query.keys())) url.searchParams.delete(name)
  for (const [name, value] of query) url.searchParams.append(name, value)
  ctx.emit?.({
    step: 'authorize',
    via: relay === undefined ? 'redirect' : relay === 'popup' ? 'popup' : 'iframe',
    method: 'GET',
    url: url.href,
  })
  return { url: url.href, state }
}

/**
 * The DPoP key for a new sign-in: per `dpop` and the server's metadata.
 * @throws {@link AuthError} `config_invalid` for `dpop: true` with a server without DPoP.
 */
async function dpopForNewSession(
  ctx: ProtocolContext,
  as: oauth.AuthorizationServer,
): Promise<BoundKey | undefined> {
  const { dpop } = ctx.cfg
  const { AuthError, pickDpopAlg } = ctx.protocol
  if (dpop === false) return undefined
  const alg = pickDpopAlg(as.dpop_signing_alg_values_supported)
  if (alg !== undefined) return ctx.keys.handle(alg)
  if (dpop === true) {
    throw new AuthError(
      'config_invalid',
      "Invalid Latchkey configuration: `dpop: true`, but the server does not support DPoP (no dpop_signing_alg_values_supported); use dpop: 'auto' to allow Bearer.",
    )
  }
  return undefined
}
