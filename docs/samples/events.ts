import { createAuth } from '@latchkey/core'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
  apiOrigins: ['https://api.example.com'],
  // Each step as it happens, e.g. "Verifier and challenge created (PKCE)", then the whole event.
  onEvent: (event) => console.log(event.title, event),
})
await auth.handleRedirect()
