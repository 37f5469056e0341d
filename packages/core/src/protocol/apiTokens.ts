// The tokens of the `apis` (RFC 8707 resource indicators), loaded on demand by the apps that
// configure them: each API's token comes from the session's one refresh token. It imports nothing
// at runtime: the protocol layer (`ctx.protocol`) and the first load (ApiTokenParts) hand it what
// it uses, so that it weighs nothing on the protocol layer's chunk.
import type { ApiTokenConfig } from '../first/config.js'
import type { AuthError } from '../first/errors.js'
import type { createRefresher, needsRefresh, RefresherDeps } from '../first/refresh.js'
import type { ApiToken, Session } from '../first/session.js'
import type { ProtocolContext } from './context.js'

/** What the tokens of the `apis` take from the first load (first/tokens.ts hands them over). */
export interface ApiTokenParts {
  /** A refresher like the session's own (same lock, store and policy) for another token. */
  refresher(
    grant: RefresherDeps['grant'],
    pick: NonNullable<RefresherDeps['pick']>,
  ): ReturnType<typeof createRefresher>
  needsRefresh: typeof needsRefresh
  leewayMs: number
}

/** An entry of `apis`, checked: its scope normalised, and its name in messages. */
export interface CheckedApi extends ApiTokenConfig {
  /** `apis[i]`, as messages name it. */
  label: string
  /** Its resource and scope, as a sign-in records that it asked for them (`Session.apisAsked`). */
  asked: string
}

/** What {@link createApiTokens} returns. */
export interface ApiTokens {
  /**
   * The session with `api`'s token in place of its own (its DPoP key is the session's): the one
   * held when it is not due, else a new one from the refresh token.
   * @param api an entry's origin or resource.
   * @param rejected a token the API rejected (never returned again); `true` refreshes anyway.
   */
  get(api: string, rejected?: string | boolean): Promise<Session>
}

/**
 * Checks `cfg.apis` (their origins were checked by createAuth()): each has a `resource` (an
 * absolute URL without query, RFC 8707 section 2) or a non-empty `scope`, and its own origin.
 * @throws {@link AuthError} `config_invalid` naming the entry.
 */
export function checkApis(ctx: ProtocolContext): CheckedApi[] {
  const { cfg, protocol } = ctx
  const invalid = (message: string) =>
    new protocol.AuthError('config_invalid', `Invalid Latchkey configuration: ${message}`)
  const seen = new Set(cfg.apiOrigins)
  return cfg.apis.map((api, i) => {
    const label = `apis[${i}]`
    if (seen.has(api.origin)) {
      throw invalid(
        `\`${label}.origin\` (${api.origin}) is also in \`apiOrigins\` or another entry: each origin gets one kind of token.`,
      )
    }
    seen.add(api.origin)
    const { resource, scope } = api
    // An absolute URI without fragment, whatever its scheme (`urn:`, `api:`): an identifier, never
    // fetched. A query is not recommended (RFC 8707 section 2), and refused as for `resource`.
    if (resource !== undefined && !/^[a-z][\w+.-]*:[^#?]+$/i.test(resource)) {
      throw invalid(
        `\`${label}.resource\` must be an absolute URI without query or fragment, such as "https://reports.example.com" (RFC 8707 section 2; got ${JSON.stringify(resource)}).`,
      )
    }
    if (scope !== undefined && (typeof scope !== 'string' || scope.trim() === '')) {
      throw invalid(`\`${label}.scope\` must be a non-empty, space-separated string.`)
    }
    if (resource === undefined && scope === undefined) {
      throw invalid(
        `\`${label}\` needs a \`resource\` or a \`scope\`; an API that takes the main token belongs in \`apiOrigins\`.`,
      )
    }
    const normalised = scope?.trim().split(/\s+/).join(' ')
    return {
      ...api,
      label,
      asked: `${resource ?? ''} ${normalised ?? ''}`,
      ...(normalised === undefined ? {} : { scope: normalised }),
    }
  })
}

/** `session`'s token for the API at `origin`, when it holds a well-formed one (IndexedDB may hold anything). */
function held(session: Session, origin: string): ApiToken | undefined {
  const token = session.apis?.[origin]
  return typeof token?.accessToken === 'string' &&
    typeof token.tokenType === 'string' &&
    typeof token.issuedAt === 'number' &&
    (token.expiresAt === null || typeof token.expiresAt === 'number')
    ? token
    : undefined
}

/** The `aud` of a JWT access token, or `undefined` for an opaque one (or one without `aud`). */
function audienceOf(token: string): unknown[] | undefined {
  try {
    const { aud } = JSON.parse(
      atob((token.split('.')[1] as string).replace(/-/g, '+').replace(/_/g, '/')),
    ) as { aud?: unknown }
    return aud === undefined ? undefined : Array.isArray(aud) ? aud : [aud]
  } catch {
    return undefined
  }
}

/**
 * The tokens of `ctx.cfg.apis`. An API's token is got with the session's refresh token and the
 * entry's `resource` and `scope` on the refresh grant (RFC 8707 section 2.2), by a refresher of
 * its own (`parts.refresher`: the session's lock, store and back-off), and kept in the session's
 * `apis`; the grant's rotated refresh token replaces the session's. A fresh token is returned
 * without any lock, so one API never waits for another's refresh.
 * @throws {@link AuthError} `config_invalid` from {@link checkApis}.
 */
export function createApiTokens(ctx: ProtocolContext, parts: ApiTokenParts): ApiTokens {
  const { sessions, platform, protocol } = ctx
  const { AuthError } = protocol
  const apis = checkApis(ctx)
  // What the server did that will not change by asking again, by origin (see `grant`).
  const refused = new Map<string, AuthError>()
  const refreshers = new Map(
    apis.map((api) => [
      api.origin,
      parts.refresher(
        (refreshToken, previous) => grant(api, refreshToken, previous),
        (session) => held(session, api.origin),
      ),
    ]),
  )

  async function grant(api: CheckedApi, refreshToken: string, previous: Session): Promise<Session> {
    let tokens: Session
    try {
      tokens = await protocol.refreshGrant(ctx, refreshToken, previous, {
        ...(api.resource === undefined ? {} : { resource: api.resource }),
        ...(api.scope === undefined ? {} : { scope: api.scope }),
      })
    } catch (error) {
      const code = protocol.isAuthError(error) ? error.error : undefined
      if (code !== 'invalid_target' && code !== 'invalid_scope') throw error
      throw new AuthError(
        'config_invalid',
        `The authorization server refused the token of \`${api.label}\` (${api.origin}): ${code}. Check its \`resource\` and \`scope\` against the API's registration there; a session signed in before the entry was added must sign in again (a refresh token covers only the resources its sign-in asked for), and a server without resource indicators (RFC 8707) cannot issue tokens per resource.`,
        { error: code, cause: error },
      )
    }
    // The session goes on as it was, with the grant's rotated refresh token (and newer ID token).
    const { accessToken, tokenType, issuedAt, expiresAt, refreshToken: rotated, idToken } = tokens
    const next: Session = { ...previous, apis: { ...previous.apis } }
    if (rotated !== undefined) next.refreshToken = rotated
    if (idToken !== undefined) next.idToken = idToken
    const audience = api.resource === undefined ? undefined : audienceOf(accessToken)
    if (audience === undefined || audience.includes(api.resource)) {
      ;(next.apis as Record<string, ApiToken>)[api.origin] = {
        accessToken,
        tokenType,
        issuedAt,
        expiresAt,
      }
    } else {
      // The grant went through: its rotated refresh token is kept, its token for another API not.
      refused.set(
        api.origin,
        new AuthError(
          'config_invalid',
          `The authorization server ignored the \`resource\` of \`${api.label}\` (${api.resource}): the token it issued is for ${audience.join(', ')}, so it does not support resource indicators (RFC 8707) for this client. Give the entry the \`scope\` that selects the API at this server instead (see the guide "Tokens for several APIs").`,
        ),
      )
    }
    return next
  }

  return {
    async get(name, rejected) {
      const api = apis.find((entry) => entry.origin === name || entry.resource === name)
      if (api === undefined) {
        throw new AuthError(
          'invalid_argument',
          `getAccessToken() was given the api "${name}", which is no origin or resource of \`apis\` (${apis.map((entry) => entry.origin).join(', ') || 'none'}).`,
        )
      }
      const failure = refused.get(api.origin)
      if (failure !== undefined) throw failure
      const session = sessions.current
      if (session === null) {
        throw new AuthError('login_required', 'No user is signed in: call login() first.')
      }
      let token = held(session, api.origin)
      if (
        rejected === true ||
        rejected === token?.accessToken ||
        token === undefined ||
        parts.needsRefresh(token, platform.now(), parts.leewayMs)
      ) {
        // A refresh token covers what its sign-in asked for (RFC 8707 section 2.2): an entry added
        // to `apis` since would be refused, and some servers spend the refresh token doing so.
        if (session.apisAsked?.includes(api.asked) === false) {
          throw new AuthError(
            'login_required',
            `The user signed in before \`${api.label}\` (${api.origin}) was configured as it is now, so the refresh token does not cover it: sign in again (login()) to get its token. The session goes on for the other APIs.`,
          )
        }
        if (session.refreshToken === undefined) {
          throw new AuthError(
            'config_invalid',
            `The token of \`${api.label}\` (${api.origin}) comes from the refresh token, and the authorization server issued none: ask for one (\`offline_access\` in \`scope\`, or the server's setting for refresh tokens).`,
          )
        }
        const refresh = refreshers.get(api.origin) as ReturnType<ApiTokenParts['refresher']>
        const next = await refresh(
          typeof rejected === 'string' || (rejected === true && token !== undefined)
            ? {
                rejected: typeof rejected === 'string' ? rejected : (token as ApiToken).accessToken,
              }
            : {},
        )
        const stillRefused = refused.get(api.origin)
        if (stillRefused !== undefined) throw stillRefused
        token = held(next, api.origin)
        if (token === undefined) {
          // Another tab's sign-in replaced the session meanwhile (see refresh.ts): its own
          // refresh token gets the token on the next call.
          throw new AuthError(
            'token_request_failed',
            `The token of \`${api.label}\` was not kept: the session changed meanwhile (another tab signed in). Try again.`,
          )
        }
        return { ...next, ...token }
      }
      return { ...session, ...token }
    },
  }
}
