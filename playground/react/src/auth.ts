// The app's one Latchkey client, made once at module scope (never inside a component).

import { createFlowInspector } from '@latchkey/devtools'
import { createAuth } from '@latchkey/react'

const env = import.meta.env

/** Base URL of the demo API (or the one LATCHKEY_API_URL points at). */
export const apiUrl = env.VITE_LATCHKEY_API_URL || 'http://localhost:4001'

/** Base URL of the reports API, a second API with its own audience, when the playground has one. */
export const reportsUrl = env.VITE_LATCHKEY_REPORTS_URL

/** Shows each protocol step (`onEvent`) in a panel beside every page. */
export const inspector = createFlowInspector()

export const auth = createAuth({
  issuer: env.VITE_LATCHKEY_ISSUER || 'http://localhost:4000',
  clientId: env.VITE_LATCHKEY_CLIENT_ID || 'latchkey-spa',
  redirectUri: `${window.location.origin}/callback`,
  scope: env.VITE_LATCHKEY_SCOPE || 'openid profile email offline_access api:read',
  ...(env.VITE_LATCHKEY_RESOURCE ? { resource: env.VITE_LATCHKEY_RESOURCE } : {}),
  apiOrigins: [new URL(apiUrl).origin],
  // Its own tokens (RFC 8707): authFetch sends the reports API a token for its resource and scope.
  ...(reportsUrl
    ? {
        apis: [{ origin: new URL(reportsUrl).origin, resource: reportsUrl, scope: 'reports:read' }],
      }
    : {}),
  postLogoutRedirectUri: `${window.location.origin}/`,
  onEvent: inspector.onEvent,
  // An API's step-up challenge (RFC 9470, the demo API's /api/recent) signs the user in again in
  // a popup, then authFetch calls again.
  stepUp: 'popup',
  // LATCHKEY_OPTIONS: more options as JSON, for a provider that needs them (docs/guides/providers.md).
  ...(env.VITE_LATCHKEY_OPTIONS ? (JSON.parse(env.VITE_LATCHKEY_OPTIONS) as object) : {}),
})
