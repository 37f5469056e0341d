// Extra query parameters of the authorization request and of the end-session URL: the client's
// own (`authorizationParams`, `logoutParams`) merged with a call's `params`. Loaded on demand with
// the flows that send them; it imports nothing at runtime.
import type { AuthContext } from './context.js'
import type { AuthErrorCode } from './errors.js'

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

/**
 * The client's parameters (`option`, checked here since only the apps that set it load this) with
 * the call's `params` merged over them. Each must be an object of string values, setting none of
 * `reserved`.
 * @throws {@link AuthError} `config_invalid` for the option, `invalid_argument` for the call's.
 */
export function mergeParams(
  ctx: AuthContext,
  option: 'authorizationParams' | 'logoutParams',
  call: string,
  params: unknown,
  reserved: ReadonlySet<string>,
): Record<string, string> {
  const check = (what: string, given: unknown, code: AuthErrorCode): object => {
    if (given === undefined) return {}
    const fail = (problem: string) => new ctx.kit.AuthError(code, `${what} ${problem}`)
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
    return given
  }
  return {
    ...check(`Invalid Latchkey configuration: \`${option}\``, ctx.cfg[option], 'config_invalid'),
    ...check(`${call} params`, params, 'invalid_argument'),
  }
}
