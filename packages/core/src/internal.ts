// Shared with the other @latchkey packages (e.g. @latchkey/m2m); not part of the app-facing API.
export type { AuthFetch, AuthFetchDeps, Credentials } from './authFetch.js'
export { checkTokenTarget, createAuthFetch } from './authFetch.js'
export { parseUrl } from './config.js'
export type { AuthErrorCode, AuthErrorDetails } from './errors.js'
export { AuthError, isAuthError } from './errors.js'
export { isLoopback } from './lib/loopback.js'
export { toAuthError } from './lib/toAuthError.js'
