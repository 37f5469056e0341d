// Signing out: clear everything this client stored, revoke the refresh token, end the server session.
// Loaded on demand (fetched in the background once signed in), with the protocol layer.
import type * as oauth from 'oauth4webapi'
import type { LogoutOptions } from '../first/auth.js'
import type { ProtocolContext } from '../protocol/context.js'
import { LOGOUT_PARAMS, mergeParams } from './extraParams.js'
import { sanitizeLogoutReturnTo } from './returnTo.js'
import { transactionsOf } from './transaction.js'

// Whether this page has said that a logout could not end the server's session.
let warned = false

/** See {@link Auth.logout}. */
export async function logout(ctx: ProtocolContext, options: LogoutOptions): Promise<void> {
  const { cfg, platform, sessions, keys } = ctx
  const { AuthError, parseUrl } = ctx.protocol
  const target =
    options.returnTo === undefined
      ? cfg.postLogoutRedirectUri
      : sanitizeLogoutReturnTo(options.returnTo, platform.currentUrl(), AuthError)
  // Checked before anything is cleared: a logout that throws has changed nothing.
  const { logoutReturnToParam: returnToParam = 'post_logout_redirect_uri' } = cfg
  if (typeof returnToParam !== 'string' || returnToParam === '') {
    throw new AuthError(
      'config_invalid',
      'Invalid Latchkey configuration: `logoutReturnToParam` must be a query parameter name.',
    )
  }
  const configured =
    cfg.endSessionEndpoint === undefined
      ? undefined
      : parseUrl('endSessionEndpoint', cfg.endSessionEndpoint).href
  const extra = mergeParams(
    ctx,
    'logoutParams',
    'logout()',
    options.params,
    new Set([...LOGOUT_PARAMS, returnToParam]),
  )
  // Under the refresh lock, so that a refresh or sign-in running in another tab cannot save its
  // session after this clear, the refresh token revoked below is the current one, and the key is
  // not deleted under a sign-in that is binding its tokens to it.
  const { session, dpop } = await ctx.withRefreshLock(async () => {
    const session = await sessions.load()
    // Taken before the key is deleted: a bound refresh token is revoked with a proof.
    const dpop =
      session?.dpopJkt === undefined
        ? undefined
        : await keys.forSession(session.dpopJkt).catch(() => undefined)
    await sessions.clear()
    await keys.delete()
    return { session, dpop }
  })
  ctx.mark(false)
  await transactionsOf(ctx)
    .clear()
    .catch(() => undefined)
  let as: oauth.AuthorizationServer
  let revoked: Promise<void> | undefined
  try {
    as = await ctx.discover()
    if (session?.refreshToken !== undefined && as.revocation_endpoint !== undefined) {
      // The state changes only once the revocation is on its way (and it survives navigation),
      // so an app that navigates away on `unauthenticated` does not cancel it.
      let sent: () => void = () => undefined
      const onItsWay = new Promise<void>((resolve) => (sent = resolve))
      revoked = revoke(ctx, as, session.refreshToken, dpop, sent)
      await Promise.race([onItsWay, revoked])
    }
  } finally {
    ctx.show(null)
    ctx.tell('logout')
  }
  await revoked
  if (options.localOnly) return
  const endpoint = configured ?? as.end_session_endpoint
  if (endpoint === undefined) {
    // Never silently: the user is still signed in at the server, and the next login() may sign
    // them straight back in.
    if (!warned) {
      warned = true
      platform.warn(
        `[latchkey] logout() signed out of this app only: ${as.issuer} names no end_session_endpoint, so the session at the server goes on. Set \`endSessionEndpoint\` (with \`logoutReturnToParam\` for a non-standard one, e.g. Auth0's /v2/logout or Cognito's /logout; see the providers guide), or pass \`localOnly: true\` to sign out of the app alone.`,
      )
    }
    ctx.emit?.({ step: 'end_session_unavailable' })
    return
  }
  const url = new URL(endpoint)
  const query = url.searchParams
  query.set('client_id', cfg.clientId)
  // The hints are OpenID Connect RP-Initiated Logout's; a non-standard endpoint gets none.
  if (returnToParam === 'post_logout_redirect_uri') {
    if (session?.idToken !== undefined) query.set('id_token_hint', session.idToken)
    // Entra ID signs the user out without its account picker when told who (its optional
    // `login_hint` claim).
    const hint = session?.user?.login_hint
    if (typeof hint === 'string') query.set('logout_hint', hint)
  }
  for (const [name, value] of Object.entries(extra)) query.set(name, value)
  query.set(returnToParam, target)
  ctx.emit?.({ step: 'end_session', method: 'GET', url: url.href })
  ctx.leave(url.href)
}

/** The proof signer of an oauth4webapi DPoP handle, which its public type does not show. */
interface DpopSigner {
  addProof?(url: URL, headers: Headers, htm: string): Promise<void>
}

/** Revokes a refresh token (RFC 7009); failures are reported, never thrown. */
async function revoke(
  ctx: ProtocolContext,
  as: oauth.AuthorizationServer,
  token: string,
  dpop: oauth.DPoPHandle | undefined,
  sent: () => void,
): Promise<void> {
  const { platform } = ctx
  const { oauth, requestOptions, toAuthError } = ctx.protocol
  try {
    // oauth4webapi's revocationRequest takes no DPoP handle; the handle's own signer (used for
    // its token requests) makes the proof. Without one the request goes as it is.
    const headers = new Headers()
    await (dpop as DpopSigner | undefined)?.addProof?.(
      new URL(as.revocation_endpoint as string),
      headers,
      'POST',
    )
    const response = await oauth.revocationRequest(as, ctx.client, oauth.None(), token, {
      ...requestOptions(ctx.cfg, platform.fetch),
      headers,
      additionalParameters: { token_type_hint: 'refresh_token' },
      // keepalive: the request outlives the page if the app navigates away right after logout.
      [oauth.customFetch]: (url, init) => {
        const response = platform.fetch(url, { ...(init as RequestInit), keepalive: true })
        sent()
        return response
      },
    })
    await oauth.processRevocationResponse(response)
  } catch (error) {
    // The local session is gone either way; the server's refresh token expires on its own.
    platform.warn(
      `[latchkey] ${toAuthError(error, 'token_request_failed', 'Revoking the refresh token').message}`,
    )
  }
}
