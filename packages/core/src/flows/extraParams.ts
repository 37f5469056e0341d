// Extra query parameters of the authorization request and of the end-session URL: the client's
// own (`authorizationParams`, `logoutParams`) merged with a call's `params`, and the checks of a
// sign-in's other options. Loaded on demand with the flows that send them (and used by
// @latchkey/core/testing, so the test double refuses what they refuse, with its own error class).
import type { AuthError, AuthErrorCode } from '../first/errors.js'
import type { ProtocolContext } from '../protocol/context.js'

/** Authorization request parameters that only the SDK may set. */
export const AUTHORIZATION_PARAMS: ReadonlySet<string> = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'resource',
  'request',
  'request_uri',
  'prompt',
  'login_hint',
  'max_age',
  'dpop_jkt',
])

/** End-session parameters that only the SDK may set, besides the one that carries `returnTo`. */
export const LOGOUT_PARAMS: readonly string[] = ['client_id', 'id_token_hint']

/**
 * Checks that `given` (`what`, for the message) is an object of string values setting none of
 * `reserved`, and returns it (`{}` for `undefined`).
 * @param Failure the SDK's error class.
 * @throws {@link AuthError} with `code` otherwise.
 */
export function checkParams(
  what: string,
  given: unknown,
  code: AuthErrorCode,
  reserved: ReadonlySet<string>,
  Failure: typeof AuthError,
): Record<string, string> {
  if (given === undefined) return {}
  const fail = (problem: string) => new Failure(code, `${what} ${problem}`)
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw fail('must be an object of parameter names and string values.')
  }
  for (const [name, value] of Object.entries(given)) {
    if (reserved.has(name) || typeof value !== 'string') {
      throw fail(
        `cannot set "${name}"${typeof value !== 'string' ? ' to a non-string' : ''}: use the matching option instead.`,
      )
    }
  }
  return given as Record<string, string>
}

/**
 * Checks a sign-in's `maxAge` (OpenID Connect Core 3.1.2.1 `max_age`).
 * @param Failure the SDK's error class.
 * @throws {@link AuthError} `invalid_argument` unless it is `undefined` or a whole number, 0 or more.
 */
export function checkMaxAge(maxAge: unknown, Failure: typeof AuthError): void {
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && (maxAge as number) >= 0)) {
    throw new Failure(
      'invalid_argument',
      'login() maxAge must be a whole number of seconds, 0 or more.',
    )
  }
}

/**
 * Checks a sign-in's `acrValues` (OpenID Connect Core 3.1.2.1 `acr_values`).
 * @param Failure the SDK's error class.
 * @throws {@link AuthError} `invalid_argument` unless it is `undefined` or a non-empty array of
 *   non-empty strings without spaces.
 */
export function checkAcrValues(acrValues: unknown, Failure: typeof AuthError): void {
  if (
    acrValues !== undefined &&
    !(
      Array.isArray(acrValues) &&
      acrValues.length > 0 &&
      acrValues.every((value) => typeof value === 'string' && /^\S+$/.test(value))
    )
  ) {
    throw new Failure(
      'invalid_argument',
      'login() acrValues must be an array of acr values (strings without spaces).',
    )
  }
}

/**
 * The client's parameters (`option`, checked here since only the apps that set it load this) with
 * the call's `params` merged over them. Each must be an object of string values, setting none of
 * `reserved`.
 * @throws {@link AuthError} `config_invalid` for the option, `invalid_argument` for the call's.
 */
export function mergeParams(
  ctx: ProtocolContext,
  option: 'authorizationParams' | 'logoutParams',
  call: string,
  params: unknown,
  reserved: ReadonlySet<string>,
): Record<string, string> {
  const { AuthError } = ctx.protocol
  return {
    ...checkParams(
      `Invalid Latchkey configuration: \`${option}\``,
      ctx.cfg[option],
      'config_invalid',
      reserved,
      AuthError,
    ),
    ...checkParams(`${call} params`, params, 'invalid_argument', reserved, AuthError),
  }
}
