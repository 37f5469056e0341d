import { createAuth, createLatchkey } from '@latchkey/vue'
import type { App } from 'vue'
import type { Router } from 'vue-router'

// Module scope is fine on a server too: there createAuth() returns an inert client (state
// `loading`, every method rejects with `browser_required`). The configuration is still checked
// there, so `redirectUri` must be absolute without `window`: take the origin from the build.
// The values are the playground's (`LATCHKEY_EXTRA_ORIGINS=http://localhost:3000 npm run dev`).
const APP = process.env.NUXT_PUBLIC_APP_ORIGIN ?? 'http://localhost:3000'
export const API = 'http://localhost:4001'

export const auth = createAuth({
  issuer: 'http://localhost:4000',
  clientId: 'latchkey-spa',
  redirectUri: `${APP}/callback`,
  scope: 'openid profile email offline_access api:read',
  resource: API,
  apiOrigins: [API],
})

/**
 * What plugins/latchkey.ts runs, on the server and in the browser alike: on the server the plugin
 * only provides the inert client, so components' useAuth() works there and reports `loading`.
 */
export function installLatchkey(app: App, router: Router): void {
  app.use(createLatchkey(auth, { onRedirect: (returnTo) => void router.replace(returnTo) }))
}
