// @latchkey/core: OAuth 2 / OpenID Connect for browsers and single-page apps.
export type {
  Auth,
  GetAccessTokenOptions,
  LoginOptions,
  LogoutOptions,
  PopupLoginOptions,
  RedirectResult,
  SilentLoginOptions,
} from './first/auth.js'
export type { AuthFetch } from './first/authFetch.js'
export type { ApiTokenConfig, AuthConfig, StorageMode } from './first/config.js'
export { createAuth } from './first/createAuth.js'
export type { AuthErrorCode, AuthErrorDetails } from './first/errors.js'
export { AuthError, isAuthError } from './first/errors.js'
export type { KeyValueStore } from './first/kv.js'
export type { Platform } from './first/platform.js'
export type { AuthListener, AuthState, AuthStatus, User } from './first/state.js'
export type { AuthEvent, AuthEventStep, DecodedJwt } from './protocol/events.js'
