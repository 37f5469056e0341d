// @latchkey/core: OAuth 2 / OpenID Connect for browsers and single-page apps.
export type {
  Auth,
  GetAccessTokenOptions,
  LoginOptions,
  LogoutOptions,
  PopupLoginOptions,
  RedirectResult,
  SilentLoginOptions,
} from './auth.js'
export type { AuthFetch } from './authFetch.js'
export type { AuthConfig, StorageMode } from './config.js'
export { createAuth } from './createAuth.js'
export type { AuthErrorCode, AuthErrorDetails } from './errors.js'
export { AuthError, isAuthError } from './errors.js'
export type { AuthEvent, AuthEventStep, DecodedJwt } from './events.js'
export type { KeyValueStore } from './lib/kv.js'
export type { Platform } from './platform.js'
export type { AuthListener, AuthState, AuthStatus, User } from './state.js'
