// `pnpm dev`: starts the authorization server, the demo API, the reports API (a second API with its
// own audience and scope, RFC 8707) and the demo apps' Vite dev servers (the vanilla SPA, the React
// app and the Vue app).
//
// Environment:
//   LATCHKEY_PORT_BASE  moves every port: the authorization server on the base, the API on +1, the
//                       SPA, React and Vue demos on +2, +3, +4, the reports API on +5 (e.g. 7000:
//                       7000 to 7005)
//   LATCHKEY_AUTH_PORT (4000), LATCHKEY_API_PORT (4001), LATCHKEY_SPA_PORT (5173),
//   LATCHKEY_REACT_PORT (5174), LATCHKEY_VUE_PORT (5175), LATCHKEY_REPORTS_PORT (4002)
//                       one port each, over the base
//                       (server/ports.ts; the ready banner prints the addresses in use)
//   LATCHKEY_EXTRA_ORIGINS  comma-separated origins the embedded servers also accept as SPAs
//                       (redirect URI `${origin}/callback`, CORS), e.g. `npm run bench`'s peer pages
//   LATCHKEY_ISSUER     use another OpenID provider instead of the embedded one
//   LATCHKEY_CLIENT_ID  (latchkey-spa), LATCHKEY_SCOPE, LATCHKEY_RESOURCE
//   LATCHKEY_API_URL    use another API instead of the embedded one
//   LATCHKEY_API_AUDIENCE  `aud` the embedded API requires (its own URL)
//   LATCHKEY_REPORTS_URL  use another second API instead of the embedded reports API (its URL is
//                       its resource, scope reports:read); with LATCHKEY_API_URL or LATCHKEY_ISSUER
//                       set and this not, no reports API: another provider knows nothing of it
//   LATCHKEY_ACCESS_TOKEN_TTL  access-token lifetime in seconds for the embedded server (300);
//                       POST {"accessTokenTtl": n} to the server's /__playground/config changes it
//                       (as do {"dpopNonce": true} and {"advertiseDpop": false}; each embedded API
//                       has its own {"dpopNonce": true} at its /__playground/config)
//   LATCHKEY_DPOP_NONCE  `false` stops the embedded server from demanding DPoP nonces (on)
//   LATCHKEY_DPOP       `false` runs the embedded server without advertising DPoP (on): the SPA then
//                       gets Bearer tokens, kept in memory and restored after a reload by silent sign-in
//   LATCHKEY_REQUIRE_PAR  `true` makes the embedded server require pushed authorization requests
//                       (RFC 9126) of the SPA client and say so in its metadata (off; they are always
//                       offered); POST {"requirePar": true} to its /__playground/config switches it
//   LATCHKEY_STORAGE    the SPA's `storage` option: auto (default), indexeddb or memory
//   LATCHKEY_REFRESH_LEEWAY  seconds before expiry at which the SPA refreshes (60); e2e uses 2
//   LATCHKEY_AUTO_REFRESH  `false` turns off the SPA's proactive refresh timer (on)
//   LATCHKEY_OPTIONS    more createAuth options for the demo apps, as a JSON object, e.g.
//                       '{"authorizationParams":{"audience":"https://api.example.com"}}'
//
// The embedded server also has service clients for the client-credentials grant (`npm run m2m`);
// the private key of `latchkey-service-jwt` is written to serviceKeyFile(auth port)
// (server/serviceClients.ts), one file per playground, removed when it stops.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer as createViteServer, type ViteDevServer } from 'vite'
import { startApi } from './server/api.js'
import type { RunningServer } from './server/http.js'
import { PORT_BASE_VARIABLE, playgroundPorts, portSettingsFor } from './server/ports.js'
import {
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  SERVICE_SCOPE,
  serviceKeyFile,
} from './server/serviceClients.js'

const DEFAULT_SCOPE = 'openid profile email offline_access api:read'

const env = process.env
const {
  auth: authPort,
  api: apiPort,
  spa: spaPort,
  react: reactPort,
  vue: vuePort,
  reports: reportsPort,
} = ports()
const spaOrigin = `http://localhost:${spaPort}`
const reactOrigin = `http://localhost:${reactPort}`
const vueOrigin = `http://localhost:${vuePort}`
const extraOrigins = (env.LATCHKEY_EXTRA_ORIGINS ?? '').split(',').filter((origin) => origin !== '')
const spaOrigins = [spaOrigin, reactOrigin, vueOrigin, ...extraOrigins]
const embeddedIssuer = `http://localhost:${authPort}`
const embeddedApiUrl = `http://localhost:${apiPort}`
const issuer = env.LATCHKEY_ISSUER || embeddedIssuer
const apiUrl = env.LATCHKEY_API_URL || embeddedApiUrl
// Another provider will not mint tokens for the embedded API's URL; its API identifier goes here.
const apiAudience = env.LATCHKEY_API_AUDIENCE || embeddedApiUrl
// The embedded reports API goes with the embedded server and demo API only: another provider
// would not mint tokens for its URL.
const embedReports = !env.LATCHKEY_REPORTS_URL && !env.LATCHKEY_API_URL && !env.LATCHKEY_ISSUER
const reportsUrl =
  env.LATCHKEY_REPORTS_URL || (embedReports ? `http://localhost:${reportsPort}` : '')
const accessTokenTtl = env.LATCHKEY_ACCESS_TOKEN_TTL ? Number(env.LATCHKEY_ACCESS_TOKEN_TTL) : 300

const running: RunningServer[] = []
let serviceClients = ''
/** This playground's key file for latchkey-service-jwt, once written (removed at shutdown). */
let keyFile: string | undefined
const vites: ViteDevServer[] = []

async function main(): Promise<void> {
  if (!Number.isInteger(accessTokenTtl) || accessTokenTtl <= 0) {
    fail(
      `LATCHKEY_ACCESS_TOKEN_TTL must be a positive number of seconds, got "${env.LATCHKEY_ACCESS_TOKEN_TTL}"`,
    )
  }

  const leeway = env.LATCHKEY_REFRESH_LEEWAY
  if (leeway !== undefined && leeway !== '' && !(Number(leeway) >= 0)) {
    fail(`LATCHKEY_REFRESH_LEEWAY must be a number of seconds (0 or more), got "${leeway}"`)
  }
  const storage = env.LATCHKEY_STORAGE
  if (storage && !['indexeddb', 'memory', 'auto'].includes(storage)) {
    fail(`LATCHKEY_STORAGE must be indexeddb, memory or auto, got "${storage}"`)
  }

  const options = env.LATCHKEY_OPTIONS
  if (options) {
    let parsed: unknown
    try {
      parsed = JSON.parse(options)
    } catch {}
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(`LATCHKEY_OPTIONS must be a JSON object of createAuth options, got "${options}"`)
    }
  }

  if (!env.LATCHKEY_ISSUER) {
    // Imported lazily: oidc-provider prints warnings on import that are noise with another issuer.
    const { startAuthServer } = await import('./server/authServer.js')
    const authServer = await start('authorization server', authPort, () =>
      startAuthServer({
        port: authPort,
        issuer: embeddedIssuer,
        spaOrigins,
        apiAudience: embeddedApiUrl,
        // The URL is the resource indicator the demo apps send for it.
        reportsAudience: reportsUrl || `http://localhost:${reportsPort}`,
        accessTokenTtl,
        // On by default, as a careful server would run; the e2e specs switch it per test.
        dpopNonce: env.LATCHKEY_DPOP_NONCE !== 'false',
        // Most servers have no DPoP: with it off the SPA runs on Bearer tokens, which it keeps in
        // memory only, so a reload shows the silent sign-in that brings the session back.
        advertiseDpop: env.LATCHKEY_DPOP !== 'false',
        // Pushed authorization requests are always offered; this makes them required.
        requirePar: env.LATCHKEY_REQUIRE_PAR === 'true',
      }),
    )
    running.push(authServer)
    // Only this machine's user may read it; it is replaced at every start on this port, and no
    // other playground (another port) writes it.
    const file = serviceKeyFile(authPort)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, JSON.stringify(authServer.serviceClientKey), { mode: 0o600 })
    keyFile = file
    const m2m = ['npm run m2m', ...portSettingsFor({ auth: authPort, api: apiPort })]
    // `VAR=value npm run m2m` is how POSIX shells set a variable for one command.
    const m2mCommand = [...m2m.slice(1), m2m[0]].join(' ')
    serviceClients = `
  service clients (client credentials, scope ${SERVICE_SCOPE}, for ${embeddedApiUrl}/api/service):
    ${SERVICE_CLIENTS.client_secret_basic.padEnd(22)} client_secret_basic, secret ${SERVICE_CLIENT_SECRET}
    ${SERVICE_CLIENTS.client_secret_post.padEnd(22)} client_secret_post, same secret
    ${SERVICE_CLIENTS.private_key_jwt.padEnd(22)} private_key_jwt, key in ${file}
  try them: ${m2mCommand}    (or ${m2mCommand} -- private_key_jwt)`
  }
  if (!env.LATCHKEY_API_URL) {
    running.push(
      await start('demo API', apiPort, () =>
        startApi({ port: apiPort, issuer, audience: apiAudience, spaOrigins }),
      ),
    )
  }
  if (embedReports) {
    running.push(
      await start('reports API', reportsPort, () =>
        startApi({
          port: reportsPort,
          issuer,
          audience: reportsUrl,
          spaOrigins,
          scope: 'reports:read',
          name: 'reports API',
          realm: 'latchkey-reports',
        }),
      ),
    )
  }

  // Vite reads VITE_* from process.env while resolving its config, so they must be set first.
  env.VITE_LATCHKEY_ISSUER = issuer
  env.VITE_LATCHKEY_CLIENT_ID = env.LATCHKEY_CLIENT_ID || 'latchkey-spa'
  env.VITE_LATCHKEY_API_URL = apiUrl
  // The demo apps pass it as an `apis` entry (its own resource and scope) when it is set.
  if (reportsUrl) env.VITE_LATCHKEY_REPORTS_URL = reportsUrl
  env.VITE_LATCHKEY_SCOPE = env.LATCHKEY_SCOPE || DEFAULT_SCOPE
  const resource = env.LATCHKEY_RESOURCE || (env.LATCHKEY_API_URL ? '' : embeddedApiUrl)
  if (resource) env.VITE_LATCHKEY_RESOURCE = resource
  if (env.LATCHKEY_STORAGE) env.VITE_LATCHKEY_STORAGE = env.LATCHKEY_STORAGE
  if (env.LATCHKEY_REFRESH_LEEWAY) env.VITE_LATCHKEY_REFRESH_LEEWAY = env.LATCHKEY_REFRESH_LEEWAY
  if (env.LATCHKEY_AUTO_REFRESH) env.VITE_LATCHKEY_AUTO_REFRESH = env.LATCHKEY_AUTO_REFRESH
  if (options) env.VITE_LATCHKEY_OPTIONS = options

  await startVite('SPA dev server', 'spa', spaPort)
  await startVite('React demo dev server', 'react', reactPort)
  await startVite('Vue demo dev server', 'vue', vuePort)

  const reportsBanner = embedReports
    ? `${reportsUrl} (scope reports:read, its own audience)`
    : reportsUrl
      ? `${reportsUrl} (external)`
      : 'none: LATCHKEY_REPORTS_URL names one beside another issuer or API'
  console.log(`
Latchkey playground ready: open ${spaOrigin}
  SPA (TypeScript):     ${spaOrigin}
  React demo:           ${reactOrigin}
  Vue demo:             ${vueOrigin}
  authorization server: ${issuer}${env.LATCHKEY_ISSUER ? ' (external)' : ''}
  demo API:             ${apiUrl}${env.LATCHKEY_API_URL ? ' (external)' : ''}
  reports API:          ${reportsBanner}
  client id:            ${env.VITE_LATCHKEY_CLIENT_ID}${serviceClients}
Press Ctrl+C to stop.
`)
}

async function startVite(what: string, dir: string, portNumber: number): Promise<void> {
  const root = fileURLToPath(new URL(`./${dir}/`, import.meta.url))
  await start(what, portNumber, async () => {
    const server = await createViteServer({
      configFile: `${root}vite.config.ts`,
      root,
      // One dependency cache per app: in the shared default each server re-optimizes over the
      // others' bundles, and their pages then fail with 504 "Outdated Optimize Dep".
      cacheDir: fileURLToPath(new URL(`./node_modules/.vite/${dir}/`, import.meta.url)),
      server: { port: portNumber, host: '127.0.0.1', strictPort: true },
    })
    vites.push(server)
    await server.listen()
    return { url: `http://localhost:${portNumber}`, close: () => Promise.resolve() }
  })
}

async function start<T extends RunningServer>(
  what: string,
  portNumber: number,
  starter: () => Promise<T>,
): Promise<T> {
  try {
    return await starter()
  } catch (error) {
    const inUse =
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ||
      /already in use/i.test(String((error as Error).message))
    if (inUse) {
      console.error(
        `Cannot start the ${what}: port ${portNumber} is already in use. ` +
          `Stop whatever uses it, or move every port of the playground with ${PORT_BASE_VARIABLE} ` +
          `(e.g. ${PORT_BASE_VARIABLE}=7000 npm run dev: ports 7000 to 7005) or one with the ` +
          'LATCHKEY_*_PORT variables.',
      )
    } else {
      console.error(`Cannot start the ${what} on port ${portNumber}:`, error)
    }
    throw new ReportedError()
  }
}

/** A startup failure whose cause was already printed in plain words. */
class ReportedError extends Error {}

let stopping = false
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    await Promise.allSettled([
      ...vites.map((server) => server.close()),
      ...running.map((server) => server.close()),
      ...(keyFile ? [rm(keyFile, { force: true })] : []),
    ])
  }
  process.exit(code)
}

function ports(): ReturnType<typeof playgroundPorts> {
  try {
    return playgroundPorts(env)
  } catch (error) {
    fail((error as Error).message)
  }
}

function fail(message: string): never {
  console.error(message)
  process.exit(1)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void shutdown(0))
}

main().catch((error: unknown) => {
  if (!(error instanceof ReportedError)) console.error(error)
  void shutdown(1)
})
