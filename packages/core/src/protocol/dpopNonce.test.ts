import '../__tests__/linked.js'
import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { AuthError } from '../first/errors.js'
import { unreadableNonce } from './dpopNonce.js'

// How oauth4webapi reports a token endpoint's nonce challenge: an error body, not a challenge.
const tokenEndpointError = (headers: HeadersInit = {}) =>
  new oauth.ResponseBodyError('server responded with an error in the response body', {
    cause: { error: 'use_dpop_nonce' },
    response: new Response(null, { status: 400, headers }),
  })

describe('unreadableNonce', () => {
  it('turns a token endpoint nonce error without a readable DPoP-Nonce header into network_error', () => {
    const error = unreadableNonce(tokenEndpointError(), 'Refreshing the session')
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toMatchObject({ code: 'network_error', status: 400, error: 'use_dpop_nonce' })
    expect(error?.message).toMatch(
      /^Refreshing the session failed: .*Access-Control-Expose-Headers/,
    )
  })

  it('leaves a nonce error whose nonce can be read, and any other error, to the caller', () => {
    expect(unreadableNonce(tokenEndpointError({ 'dpop-nonce': 'n-1' }), 'x')).toBeUndefined()
    expect(unreadableNonce(new TypeError('Failed to fetch'), 'x')).toBeUndefined()
  })
})
