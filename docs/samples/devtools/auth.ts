import { createAuth } from '@latchkey/core'
import { createFlowInspector } from '@latchkey/devtools'

// One inspector per client; in a production build, a no-op whose onEvent is undefined.
export const inspector = createFlowInspector()

export const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
  onEvent: inspector.onEvent,
})
