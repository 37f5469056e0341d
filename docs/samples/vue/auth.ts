import { createAuth } from '@latchkey/vue'

// The playground's values (`npm run dev`, started with this app's origin allowed, e.g.
// `LATCHKEY_EXTRA_ORIGINS=http://localhost:3000 npm run dev`). For your own provider, see the
// providers guide; `scope` must include what your API checks (the playground's API: api:read).
export const API = 'http://localhost:4001'

export const auth = createAuth({
  issuer: 'http://localhost:4000',
  clientId: 'latchkey-spa',
  redirectUri: `${window.location.origin}/callback`,
  scope: 'openid profile email offline_access api:read',
  resource: API,
  apiOrigins: [API],
})
