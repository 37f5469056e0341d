// The signed-in session: tokens and the user's claims, derived from a validated token response.
import type { IDToken, TokenEndpointResponse } from 'oauth4webapi'
import type { User } from './state.js'

/** What the SDK keeps for a signed-in user. */
export interface Session {
  accessToken: string
  /** Lowercase token type from the token response, e.g. `bearer`. */
  tokenType: string
  /** Milliseconds since the epoch; `null` when the server gave no `expires_in`. */
  expiresAt: number | null
  refreshToken?: string
  idToken?: string
  scope?: string
  user: User | null
}

/** Builds a session from a token response that oauth4webapi has already validated. */
export function sessionFromTokenResponse(
  response: TokenEndpointResponse,
  claims: IDToken | undefined,
  now: number,
): Session {
  const session: Session = {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : null,
    user: claims ? { ...claims, sub: claims.sub } : null,
  }
  if (response.refresh_token !== undefined) session.refreshToken = response.refresh_token
  if (response.id_token !== undefined) session.idToken = response.id_token
  if (response.scope !== undefined) session.scope = response.scope
  return session
}
