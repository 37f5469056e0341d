// A service that calls an API as itself: a token from the client credentials grant, then one call
// with it. Run it with `npx tsx m2m.ts` in an ESM project ("type": "module").
import { createClientCredentials, isAuthError } from '@latchkey/m2m'

// The playground's values (`npm run dev` in Latchkey's checkout): its confidential client
// latchkey-service and the demo API's service-only route. Set the variables to use your own.
const env = process.env
const apiUrl = env.API_URL || 'http://localhost:4001/api/service'
const m2m = createClientCredentials({
  issuer: env.LATCHKEY_ISSUER || 'http://localhost:4000',
  clientId: env.LATCHKEY_CLIENT_ID || 'latchkey-service',
  // The playground's fixed dev secret; a real one comes from the environment, never the code.
  clientSecret: env.LATCHKEY_CLIENT_SECRET || 'latchkey-playground-service-secret',
  scope: env.LATCHKEY_SCOPE || 'api:service',
  resource: env.LATCHKEY_RESOURCE || 'http://localhost:4001',
  apiOrigins: [new URL(apiUrl).origin],
})

try {
  // Discovery and the token request happen here, on the first call; later calls reuse the token.
  const response = await m2m.authFetch(apiUrl)
  const body = await response.text()
  if (!response.ok) {
    console.error(`The API refused the call: HTTP ${response.status} ${body}`)
    process.exit(1)
  }
  console.log(`HTTP ${response.status} ${body}`)
} catch (error) {
  // An AuthError's message says what went wrong and what to check; it never holds the secret.
  if (!isAuthError(error)) throw error
  console.error(`No token, no call (${error.code}): ${error.message}`)
  process.exit(1)
}
