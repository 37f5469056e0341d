// Keycloak (e2e/providers/keycloak.ts): the standard journeys, plus RFC 9207's `iss` in the
// authorization response.
import { expect } from '@playwright/test'
import { providerJourneys } from './providers/journey.js'

providerJourneys('keycloak', {
  afterDpopSignIn({ log, callbackUrl }) {
    // The realm's issuer comes back with the code (Keycloak advertises
    // authorization_response_iss_parameter_supported), and no nonce round trip is needed.
    const iss = new URL(callbackUrl).searchParams.get('iss')
    expect(iss).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/realms\/latchkey$/)
    expect(log.token.map(({ grant_type, status }) => [grant_type, status])).toEqual([
      ['authorization_code', 200],
    ])
  },
})
