// Step-up authentication (RFC 9470) for authFetch: an API's `insufficient_user_authentication`
// challenge, read into a `step_up_required` AuthError, and the sign-in that the `stepUp` option
// runs for it. Part of the protocol layer (send.ts imports it), so it loads on demand.
import type * as oauth from 'oauth4webapi'
import type { LoginOptions } from '../first/auth.js'
import type { AuthContext } from '../first/context.js'
import { AuthError } from './firstLoad.js'

/**
 * The `step_up_required` error of a `401` whose challenge (`Bearer`, or `DPoP` for a DPoP-bound
 * token) says `error="insufficient_user_authentication"`, as oauth4webapi parsed the
 * `WWW-Authenticate` header into `error.cause`; `undefined` for any other answer. Its
 * `acrValues` are the challenge's `acr_values` (split), its `maxAge` the challenge's `max_age` (a
 * whole number of seconds; anything else is left out); `error` and `status` are the challenge's.
 * @see {@link https://www.rfc-editor.org/rfc/rfc9470#section-3 | RFC 9470 section 3}
 */
export function stepUpRequired(
  error: oauth.WWWAuthenticateChallengeError,
  what: string,
): AuthError | undefined {
  const challenge = error.cause.find(
    ({ scheme, parameters }) =>
      (scheme === 'bearer' || scheme === 'dpop') &&
      parameters.error === 'insufficient_user_authentication',
  )
  if (challenge === undefined || error.response.status !== 401) return undefined
  const { acr_values: acr = '', max_age: age = '', error_description } = challenge.parameters
  const acrValues = acr.split(' ').filter((value) => value !== '')
  const asked = {
    // Absent ones are left undefined, which LoginOptions and the error's readers take as absent.
    acrValues: acrValues.length > 0 ? acrValues : undefined,
    maxAge: /^\d+$/.test(age) ? Number(age) : undefined,
  }
  return Object.assign(
    new AuthError(
      'step_up_required',
      `${what} needs a step-up (RFC 9470): the API asks for a sign-in with${asked.acrValues ? ` acr_values "${acr}"` : ''}${asked.maxAge === undefined ? '' : ` max_age ${age}`}. Sign in again with them (\`acrValues\`, \`maxAge\`), or set \`stepUp\`.`,
      {
        status: 401,
        error: 'insufficient_user_authentication',
        ...(error_description === undefined ? {} : { errorDescription: error_description }),
      },
    ),
    asked,
  )
}

/**
 * Answers a `step_up_required` error as the `stepUp` option says: signs the user in again in a
 * popup with its `acrValues` and `maxAge` (resolving once signed in: the caller then sends its
 * request once more), or starts a redirect sign-in with them. Reported to `onEvent` as the
 * `step_up` step, with `via` when a sign-in starts. Called at most once per request.
 * @throws {@link AuthError} `required` itself when `stepUp` is off or the challenge names neither
 *   `acr_values` nor `max_age`, and for `'redirect'` once the page is leaving; `config_invalid` for
 *   a `stepUp` that is none of its values; what {@link Auth.loginWithPopup} throws.
 */
export async function stepUp(ctx: AuthContext, required: AuthError): Promise<void> {
  const { stepUp: mode = false } = ctx.cfg
  const { acrValues, maxAge } = required
  if (mode !== false && mode !== 'popup' && mode !== 'redirect') {
    throw new AuthError(
      'config_invalid',
      'Invalid Latchkey configuration: `stepUp` must be false, "popup" or "redirect".',
    )
  }
  const via = mode && (acrValues || maxAge !== undefined) ? mode : undefined
  // Undefined parameters are left out of the event.
  const params = { acr_values: acrValues, max_age: maxAge } as unknown as Record<string, string>
  ctx.emit?.({ step: 'step_up', ...(via && { via }), params })
  const signIn = ctx.signIn
  if (!via || !signIn) throw required
  const options = { acrValues, maxAge } as LoginOptions
  if (via === 'popup') return signIn.loginWithPopup(options)
  await signIn.login(options)
  throw required
}
