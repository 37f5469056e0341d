// The playground's machine-to-machine (client-credentials) clients: what the authorization
// server registers and what `npm run m2m` uses. No oidc-provider import, so scripts can load it.
import { fileURLToPath } from 'node:url'

/** The scope only service clients get: the demo API's `/api/service` requires it. */
export const SERVICE_SCOPE = 'api:service'

/**
 * The confidential clients allowed only the client-credentials grant, one per client
 * authentication method.
 */
export const SERVICE_CLIENTS = {
  client_secret_basic: 'latchkey-service',
  client_secret_post: 'latchkey-service-post',
  private_key_jwt: 'latchkey-service-jwt',
} as const

/**
 * The secret of `latchkey-service` and `latchkey-service-post`. A fixed value, printed by
 * `pnpm dev`, so that demos and scripts work without setup: the playground is a local sandbox
 * (127.0.0.1 only) and this secret protects nothing else.
 */
export const SERVICE_CLIENT_SECRET = 'latchkey-playground-service-secret'

/**
 * Where `pnpm dev` writes the private key (a JWK) of `latchkey-service-jwt`, generated at each
 * start, for `npm run m2m` and the CLI (`LATCHKEY_PRIVATE_KEY_FILE`): one file per playground,
 * named by its authorization server's port, so two playgrounds on different ports never replace
 * each other's key (the key of one is `invalid_client` at the other). Removed when it stops.
 */
export function serviceKeyFile(authPort: number): string {
  return fileURLToPath(
    new URL(
      `../../node_modules/.cache/latchkey-playground/service-client-key-${authPort}.json`,
      import.meta.url,
    ),
  )
}
