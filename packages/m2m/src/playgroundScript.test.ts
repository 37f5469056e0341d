// `npm run m2m` (playground/m2m.ts) as a developer runs it, in a child process against the real
// playground servers: the client-credentials flow printed as numbered steps, no secret whole.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  startPlayground,
  type TestPlayground,
} from './__tests__/servers.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

let playground: TestPlayground
beforeAll(async () => {
  playground = await startPlayground()
})
afterAll(() => playground?.close())

it('npm run m2m prints the client-credentials flow as numbered steps, in order', async () => {
  const { code, stdout, stderr } = await new Promise<{
    code: number
    stdout: string
    stderr: string
  }>((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'playground/m2m.ts'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          LATCHKEY_AUTH_PORT: new URL(playground.issuer).port,
          LATCHKEY_API_PORT: new URL(playground.api).port,
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    )
  })
  expect(stderr.replace(/.*unsupported runtime.*\n?/gi, '')).toBe('')
  expect(code).toBe(0)
  const steps = [...stdout.matchAll(/^(\d+)\. (.+)$/gm)].map(([, n, title]) => `${n}. ${title}`)
  expect(steps).toEqual([
    "1. Discovery: the server's metadata is read",
    '2. Metadata received: endpoints and features',
    '3. Client authenticates at the token endpoint (client credentials grant)',
    '4. Tokens issued',
    '5. API called with the access token',
    '6. API answers 200',
    // The second call reuses the cached token: no token request.
    '7. API called with the access token',
    '8. API answers 200',
  ])
  expect(stdout).toMatch(/authorization: Basic \[redacted\]/)
  expect(stdout).toMatch(/access_token claims: .*exp=in \d+ s/)
  expect(stdout).not.toContain(SERVICE_CLIENT_SECRET)
  expect(stdout).not.toContain(
    btoa(`${SERVICE_CLIENTS.client_secret_basic}:${SERVICE_CLIENT_SECRET}`),
  )
})
