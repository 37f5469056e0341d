// What the flows that load on demand (the authorization request, the callback's exchange, logout,
// popup and silent sign-in)
// use of the rest of the SDK. They take it from the context instead of importing it: app bundlers
// (Vite's Rolldown, esbuild) put a module that both the first load and an on-demand chunk import
// into a chunk of its own, so the first load would come as several files, each compressed alone.
// `npm run size` checks that the on-demand modules import nothing at runtime but one another.
import {
  AuthorizationResponseError,
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  customFetch,
  expectNoNonce,
  generateRandomCodeVerifier,
  generateRandomNonce,
  generateRandomState,
  None,
  OperationProcessingError,
  processAuthorizationCodeResponse,
  processRevocationResponse,
  revocationRequest,
  validateAuthResponse,
} from 'oauth4webapi'
import { isCallbackUrl, RESPONSE_PARAMS } from '../first/callbackUrl.js'
import { parseUrl } from '../first/config.js'
import { AuthError, isAuthError } from '../first/errors.js'
import { sessionFromTokenResponse } from '../first/session.js'
import { requestOptions } from './discovery.js'
import { pickDpopAlg } from './dpop.js'
import { toAuthError } from './toAuthError.js'
import { checkTokens, retryOnNonce, tokenError, tokenRequestOptions } from './tokenEndpoint.js'

/** The shared code of the on-demand flows; see the comment at the top of this file. */
export const kit = {
  oauth: {
    AuthorizationResponseError,
    authorizationCodeGrantRequest,
    calculatePKCECodeChallenge,
    customFetch,
    expectNoNonce,
    generateRandomCodeVerifier,
    generateRandomNonce,
    generateRandomState,
    None,
    OperationProcessingError,
    processAuthorizationCodeResponse,
    processRevocationResponse,
    revocationRequest,
    validateAuthResponse,
  },
  AuthError,
  isAuthError,
  toAuthError,
  RESPONSE_PARAMS,
  isCallbackUrl,
  pickDpopAlg,
  sessionFromTokenResponse,
  checkTokens,
  retryOnNonce,
  tokenError,
  tokenRequestOptions,
  requestOptions,
  parseUrl,
} as const

/** The type of {@link kit}. */
export type Kit = typeof kit
