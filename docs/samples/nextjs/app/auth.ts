import { createAuth } from '@latchkey/react'

// Module scope is fine on a server too: there createAuth() returns an inert client (state
// `loading`, every method rejects with `browser_required`). The configuration is still checked
// there, so `redirectUri` must be absolute without `window`: take the origin from the build.
// The values are the playground's (`LATCHKEY_EXTRA_ORIGINS=http://localhost:3000 npm run dev`).
export const APP = process.env.NEXT_PUBLIC_APP_ORIGIN ?? 'http://localhost:3000'
export const API = 'http://localhost:4001'

export const auth = createAuth({
  issuer: 'http://localhost:4000',
  clientId: 'latchkey-spa',
  redirectUri: `${APP}/callback`,
  scope: 'openid profile email offline_access api:read',
  resource: API,
  apiOrigins: [API],
})
