// Okta (e2e/providers/okta.ts): the standard journeys, plus the DPoP nonce Okta demands at its
// token endpoint.
import { expect } from '@playwright/test'
import { providerJourneys } from './providers/journey.js'

providerJourneys('okta', {
  afterDpopSignIn({ log }) {
    // Okta answers the first DPoP token request with use_dpop_nonce; the SDK signs a new proof
    // with the nonce and the exchange succeeds (developer.okta.com/docs/guides/dpop/).
    expect(log.token.map(({ grant_type, status, error }) => [grant_type, status, error])).toEqual([
      ['authorization_code', 400, 'use_dpop_nonce'],
      ['authorization_code', 200, undefined],
    ])
  },
})
