// `npm run m2m`: a small service that calls the demo API's service-only route with @latchkey/m2m,
// against the playground that `npm run dev` runs.
//
//   npm run m2m                         latchkey-service, client_secret_basic
//   npm run m2m -- client_secret_post   latchkey-service-post
//   npm run m2m -- private_key_jwt      latchkey-service-jwt, the key that playground wrote
//                                       (serviceKeyFile(its auth port), server/serviceClients.ts)
//
// Each step of the flow (onEvent) is printed as a numbered line, as the demo apps' flow inspector
// shows it: discovery, the token request, the API call; the second call has no token request.
// LATCHKEY_PORT_BASE, LATCHKEY_AUTH_PORT and LATCHKEY_API_PORT as for `npm run dev`, whose ready
// banner prints the command for the ports it uses.
import { readFile } from 'node:fs/promises'
import {
  type AuthEvent,
  type ClientCredentialsConfig,
  createClientCredentials,
  isAuthError,
} from '@latchkey/m2m'
import {
  type PlaygroundPorts,
  PORT_BASE_VARIABLE,
  PORT_SETTINGS,
  playgroundPorts,
} from './server/ports.js'
import {
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  SERVICE_SCOPE,
  serviceKeyFile,
} from './server/serviceClients.js'

let ports: PlaygroundPorts
try {
  ports = playgroundPorts()
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
const issuer = `http://localhost:${ports.auth}`
const api = `http://localhost:${ports.api}`

async function main(): Promise<void> {
  const method = process.argv[2] ?? 'client_secret_basic'
  if (!(method in SERVICE_CLIENTS)) {
    throw new Error(`unknown method "${method}": use ${Object.keys(SERVICE_CLIENTS).join(', ')}`)
  }
  const clientId = SERVICE_CLIENTS[method as keyof typeof SERVICE_CLIENTS]
  const credential: Partial<ClientCredentialsConfig> =
    method === 'private_key_jwt'
      ? { privateKey: await serviceKey() }
      : { clientSecret: SERVICE_CLIENT_SECRET, authMethod: method as 'client_secret_post' }

  const m2m = createClientCredentials({
    issuer,
    clientId,
    ...credential,
    scope: SERVICE_SCOPE,
    apiOrigins: [api],
    onEvent: printStep,
  })
  console.log(`${m2m} calls GET ${api}/api/service (${method})\n`)
  const response = await m2m.authFetch(`${api}/api/service`)
  console.log(`HTTP ${response.status}`, await response.json())
  console.log()

  const started = performance.now()
  const again = await m2m.authFetch(`${api}/api/service`)
  console.log(
    `again: HTTP ${again.status} in ${Math.round(performance.now() - started)} ms, with the cached token`,
  )
}

let steps = 0

/** `1. Title`, then indented: method and URL, status and time, parameters, decoded JWT claims. */
function printStep(event: AuthEvent): void {
  const lines = [`${++steps}. ${event.title}`]
  if (event.method !== undefined) lines.push(`${event.method} ${event.url}`)
  if (event.status !== undefined) lines.push(`status: ${event.status}, ${event.ms} ms`)
  if (event.error !== undefined) lines.push(`error: ${event.error}, ${event.ms} ms`)
  for (const [name, value] of Object.entries(event.params ?? {})) lines.push(`${name}: ${value}`)
  for (const [name, { claims }] of Object.entries(event.jwts ?? {})) {
    const shown = Object.entries(claims).map(
      ([claim, value]) => `${claim}=${claimValue(claim, value)}`,
    )
    lines.push(`${name} claims: ${shown.join(', ')}`)
  }
  console.log(`${lines.join('\n   ')}\n`)
}

/** A claim for one line: times relative to now ("in 299 s"), arrays joined, objects as JSON. */
function claimValue(claim: string, value: unknown): string {
  if (typeof value === 'number' && ['exp', 'iat', 'nbf'].includes(claim)) {
    const seconds = Math.round(value - Date.now() / 1000)
    return seconds > 0 ? `in ${seconds} s` : seconds === 0 ? 'now' : `${-seconds} s ago`
  }
  if (Array.isArray(value)) return value.join(' ')
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

/** The key `npm run dev` generated for latchkey-service-jwt (the server knows its public half). */
async function serviceKey(): Promise<{ key: CryptoKey; kid?: string }> {
  const file = serviceKeyFile(ports.auth)
  let jwk: JsonWebKey & { kid?: string }
  try {
    jwk = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    throw new Error(
      `no key at ${file}: no playground runs its authorization server on port ${ports.auth}. ` +
        `Start one with \`npm run dev\` first, or ${movedHint()}`,
    )
  }
  const key = await crypto.subtle.importKey(
    'jwk',
    jwk,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  )
  return jwk.kid === undefined ? { key } : { key, kid: jwk.kid }
}

/** How to point this script at a playground on other ports. */
function movedHint(): string {
  return (
    `if the playground runs on other ports, set the same ${PORT_BASE_VARIABLE} (or ` +
    `${PORT_SETTINGS.auth.variable} and ${PORT_SETTINGS.api.variable}) here as there: ` +
    `its ready banner prints the command, e.g. \`${PORT_BASE_VARIABLE}=7000 npm run m2m\``
  )
}

main().catch((error: unknown) => {
  if (isAuthError(error)) {
    console.error(`${error.code}: ${error.message}`)
    if (error.code === 'discovery_failed') {
      console.error(
        `Is the playground running (\`npm run dev\`)? This tried its authorization server at ${issuer} (port ${ports.auth}); ${movedHint()}`,
      )
    }
  } else {
    console.error(error instanceof Error ? error.message : error)
  }
  process.exitCode = 1
})
