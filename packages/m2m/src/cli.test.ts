// The `latchkey-token` CLI as a user runs it: its bin shim in a child process, against the real
// playground servers.
import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  startPlayground,
  type TestPlayground,
} from './__tests__/servers.js'

const BIN = fileURLToPath(new URL('../bin/latchkey-token.mjs', import.meta.url))

let playground: TestPlayground
let env: Record<string, string>

beforeAll(async () => {
  playground = await startPlayground()
  env = {
    PATH: process.env.PATH ?? '',
    LATCHKEY_ISSUER: playground.issuer,
    LATCHKEY_CLIENT_ID: SERVICE_CLIENTS.client_secret_basic,
    LATCHKEY_CLIENT_SECRET: SERVICE_CLIENT_SECRET,
    LATCHKEY_SCOPE: 'api:service',
  }
})
afterAll(() => playground?.close())

function run(args: string[], extra: Record<string, string | undefined> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const merged = Object.fromEntries(
      Object.entries({ ...env, ...extra }).filter(([, value]) => value !== undefined),
    )
    execFile(process.execPath, [BIN, ...args], { env: merged }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('latchkey-token', () => {
  it('prints an access token', async () => {
    const { code, stdout } = await run([])
    expect(code).toBe(0)
    expect(decodeJwt(stdout.trim())).toMatchObject({
      aud: playground.api,
      client_id: SERVICE_CLIENTS.client_secret_basic,
      scope: 'api:service',
    })
  })

  it('calls a URL with the token and prints status and body', async () => {
    const { code, stdout, stderr } = await run([`${playground.api}/api/service`])
    expect(code).toBe(0)
    expect(stderr).toBe('HTTP 200 OK\n')
    expect(JSON.parse(stdout)).toMatchObject({ client_id: SERVICE_CLIENTS.client_secret_basic })
  })

  it('exits 1 when the API refuses', async () => {
    const { code, stderr } = await run([`${playground.api}/api/me`])
    expect(code).toBe(1)
    expect(stderr).toBe('HTTP 403 Forbidden\n')
  })

  it('works with client_secret_post and with private_key_jwt from a JWK file', async () => {
    const post = await run([], {
      LATCHKEY_CLIENT_ID: SERVICE_CLIENTS.client_secret_post,
      LATCHKEY_AUTH_METHOD: 'client_secret_post',
    })
    expect(decodeJwt(post.stdout.trim()).client_id).toBe(SERVICE_CLIENTS.client_secret_post)

    const file = join(tmpdir(), `latchkey-cli-key-${process.pid}.json`)
    await writeFile(file, JSON.stringify(playground.serviceJwk), { mode: 0o600 })
    const jwt = await run([], {
      LATCHKEY_CLIENT_ID: SERVICE_CLIENTS.private_key_jwt,
      LATCHKEY_CLIENT_SECRET: undefined,
      LATCHKEY_PRIVATE_KEY_FILE: file,
    }).finally(() => rm(file, { force: true }))
    expect(jwt.stderr).toBe('')
    expect(decodeJwt(jwt.stdout.trim()).client_id).toBe(SERVICE_CLIENTS.private_key_jwt)
  })

  it('prints the error code and message, never the secret, and exits 1', async () => {
    const secret = 'wrong-secret-5d1c9e'
    const { code, stdout, stderr } = await run([], { LATCHKEY_CLIENT_SECRET: secret })
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^latchkey-token: token_request_failed: .*invalid_client/)
    expect(stderr).not.toContain(secret)
  })

  it('names the missing variable', async () => {
    const { code, stderr } = await run([], { LATCHKEY_ISSUER: undefined })
    expect(code).toBe(1)
    expect(stderr).toMatch(/config_invalid: set LATCHKEY_ISSUER/)
  })

  it('prints help', async () => {
    const { code, stdout } = await run(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/LATCHKEY_CLIENT_SECRET/)
  })
})
