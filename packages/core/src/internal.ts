// Shared with the other @latchkey packages (e.g. @latchkey/m2m); not part of the app-facing API.
export type { AuthFetch, AuthFetchDeps, Credentials } from './first/authFetch.js'
export { checkTokenTarget, createAuthFetch } from './first/authFetch.js'
export { parseUrl } from './first/config.js'
export type { AuthErrorCode, AuthErrorDetails } from './first/errors.js'
export { AuthError, isAuthError } from './first/errors.js'
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
export { toAuthError, toAuthErrorWithBody } from './protocol/toAuthError.js'
