// @latchkey/m2m: OAuth 2 client credentials for Node services, CLIs and daemons.
export type {
  AuthErrorCode,
  AuthErrorDetails,
  AuthEvent,
  AuthEventStep,
  AuthFetch,
  DecodedJwt,
} from '@latchkey/core/internal'
export { AuthError, isAuthError } from '@latchkey/core/internal'
export type { ClientAuthMethod, ClientCredentialsConfig, ClientPrivateKey } from './config.js'
export type { ClientCredentials, GetAccessTokenOptions } from './createClientCredentials.js'
export { createClientCredentials } from './createClientCredentials.js'
