// Shared with the other @latchkey packages (e.g. @latchkey/m2m); not part of the app-facing API.
// Everything here loads at once, so the on-demand layers are linked to the first load's parts on
// import (in a browser, createAuth() links them when it loads them: protocol/firstLoad.ts).
import { isCallbackUrl, RESPONSE_PARAMS } from './first/callbackUrl.js'
import { parseUrl } from './first/config.js'
import { AuthError, isAuthError } from './first/errors.js'
import { link } from './protocol/firstLoad.js'

link({ AuthError, isAuthError, isCallbackUrl, RESPONSE_PARAMS, parseUrl })

export type { AuthFetch, AuthFetchDeps, Credentials, SendWithToken } from './first/authFetch.js'
export { checkTokenTarget, createAuthFetch } from './first/authFetch.js'
export { parseUrl } from './first/config.js'
export type { AuthErrorCode, AuthErrorDetails } from './first/errors.js'
export { isLoopback } from './first/loopback.js'
export type { DiscoveryOptions, RequestSettings } from './protocol/discovery.js'
export { createDiscovery, requestOptions } from './protocol/discovery.js'
export type {
  AuthEvent,
  AuthEventStep,
  DecodedJwt,
  FlowEvent,
  Inspector,
} from './protocol/events.js'
export { inspector } from './protocol/events.js'
export { createSender } from './protocol/send.js'
export { toAuthError, toAuthErrorWithBody } from './protocol/toAuthError.js'
export { AuthError, isAuthError }
