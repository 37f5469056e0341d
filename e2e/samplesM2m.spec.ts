// The Node getting-started sample (docs/samples/m2m.ts) runs as written: as a program of its own,
// through tsx as the page says, with @latchkey/m2m from the packages' TypeScript source, against
// the playground's authorization server and demo API (playwright.config.ts starts them). No
// browser: the sample is a Node program.

import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { apiRequests, tokenRequests, tokenRequestsSince } from './playground.js'

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url))

interface Run {
  exitCode: number | null
  stdout: string
  stderr: string
}

/**
 * Runs the sample as `npx tsx m2m.ts` runs it; `--conditions=source` resolves the workspace's
 * @latchkey/m2m and @latchkey/core to their source, so no build is needed. Only `env` reaches its
 * overrides: the runner's own LATCHKEY_* settings and API_URL are left out.
 */
function runSample(env: Record<string, string> = {}): Promise<Run> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('LATCHKEY_') && name !== 'API_URL',
    ),
  )
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'samples/m2m.ts'],
      { cwd: DOCS, env: { ...inherited, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : typeof error.code === 'number' ? error.code : null
        resolve({ exitCode, stdout, stderr })
      },
    )
  })
}

/** The demo API's calls to its service-only route since the first `since`. */
async function serviceCallsSince(since: number) {
  return (await apiRequests())
    .slice(since)
    .filter((r) => r.path === '/api/service')
    .map((r) => [r.scheme, r.status] as const)
}

test('the m2m sample gets a token, calls the demo API and prints its answer', async () => {
  const tokensBefore = (await tokenRequests()).length
  const callsBefore = (await apiRequests()).length

  const run = await runSample()

  expect(run.stderr).toBe('')
  expect(run.exitCode).toBe(0)
  const printed = /^HTTP 200 (\{.*\})\n$/.exec(run.stdout)
  expect(printed, run.stdout).not.toBeNull()
  expect(JSON.parse(printed?.[1] ?? '')).toMatchObject({
    client_id: 'latchkey-service',
    scope: 'api:service',
    token_type: 'Bearer',
    message: 'Hello latchkey-service, service caller, from the demo API',
  })
  expect(await tokenRequestsSince(tokensBefore)).toEqual([['client_credentials', 200]])
  expect(await serviceCallsSince(callsBefore)).toEqual([['Bearer', 200]])
})

test('with a wrong secret the sample says invalid_client in plain words, exits 1, and never prints the secret', async () => {
  const tokensBefore = (await tokenRequests()).length
  const callsBefore = (await apiRequests()).length
  const secret = `not-the-secret-${Date.now()}`

  const run = await runSample({ LATCHKEY_CLIENT_SECRET: secret })

  expect(run.exitCode).toBe(1)
  expect(run.stdout).toBe('')
  expect(run.stderr).toMatch(/^No token, no call \(token_request_failed\): .*invalid_client/)
  expect(run.stderr).toContain('Check `clientId`, the client secret')
  expect(`${run.stdout}${run.stderr}`).not.toContain(secret)
  // Refused at once, never retried, and the API was never called.
  expect(await tokenRequestsSince(tokensBefore)).toEqual([['client_credentials', 401]])
  expect(await serviceCallsSince(callsBefore)).toEqual([])
})

test('when the API refuses the token the sample prints its status and answer and exits 1', async () => {
  // A service token at the route for users' tokens: the demo API answers 403 insufficient_scope.
  const run = await runSample({ API_URL: 'http://localhost:4001/api/me' })

  expect(run.exitCode).toBe(1)
  expect(run.stdout).toBe('')
  expect(run.stderr).toMatch(/^The API refused the call: HTTP 403 \{.*"insufficient_scope".*\}\n$/)
})
