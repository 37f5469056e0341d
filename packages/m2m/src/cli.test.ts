// The `latchkey-token` CLI as a user runs it, in a child process against the real playground
// servers: its TypeScript source (nothing needs to be built), and the bin shim on its own.
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
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

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(PACKAGE, 'src/cli.ts')
const BIN = join(PACKAGE, 'bin/latchkey-token.mjs')

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

/** Runs src/cli.ts as the bin runs dist/cli.js; `--import tsx` resolves from the package. */
function run(args: string[], extra: Record<string, string | undefined> = {}, stdin?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const merged = Object.fromEntries(
      Object.entries({ ...env, ...extra }).filter(([, value]) => value !== undefined),
    )
    const child = execFile(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', CLI, ...args],
      { env: merged, cwd: PACKAGE },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr })
      },
    )
    child.stdin?.end(stdin)
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

describe('latchkey-token -d', () => {
  interface Received {
    method: string
    contentType: string | undefined
    body: string
  }
  let echo: { url: string; received: Received[]; close(): Promise<void> }
  const files: string[] = []

  beforeAll(async () => {
    const received: Received[] = []
    const server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      received.push({
        method: req.method ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      })
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    echo = {
      url: `http://127.0.0.1:${port}/echo`,
      received,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  })
  afterAll(async () => {
    await echo?.close()
    await Promise.all(files.map((file) => rm(file, { force: true })))
  })

  async function send(args: string[], stdin?: string): Promise<Received> {
    const before = echo.received.length
    const { code, stderr } = await run([...args, echo.url], {}, stdin)
    expect(stderr).toBe('HTTP 200 OK\n')
    expect(code).toBe(0)
    expect(echo.received).toHaveLength(before + 1)
    return echo.received[before] as Received
  }

  async function file(content: string): Promise<string> {
    const path = join(tmpdir(), `latchkey-cli-data-${process.pid}-${files.length}.txt`)
    files.push(path)
    await writeFile(path, content)
    return path
  }

  it('POSTs the body as a form, as curl does', async () => {
    expect(await send(['-d', 'name=a b&x=1'])).toEqual({
      method: 'POST',
      contentType: 'application/x-www-form-urlencoded',
      body: 'name=a b&x=1',
    })
  })

  it('reads -d @file without its carriage returns and newlines', async () => {
    const path = await file('a=1\r\n&b=2\n')
    expect(await send(['-d', `@${path}`])).toMatchObject({
      contentType: 'application/x-www-form-urlencoded',
      body: 'a=1&b=2',
    })
  })

  it('keeps a content type given with -H, and a method given with -X', async () => {
    const path = await file('{\n  "a": 1\n}\n')
    expect(
      await send(['-X', 'PUT', '-H', 'Content-Type: application/json', '-d', `@${path}`]),
    ).toEqual({ method: 'PUT', contentType: 'application/json', body: '{  "a": 1}' })
  })

  it('sends --data-binary @file exactly as read', async () => {
    const path = await file('line 1\r\nline 2\n')
    expect(
      await send(['-H', 'content-type: text/plain', '--data-binary', `@${path}`]),
    ).toMatchObject({ contentType: 'text/plain', body: 'line 1\r\nline 2\n' })
  })

  it('reads -d @- from stdin', async () => {
    expect(await send(['-d', '@-'], 'from=stdin\n')).toMatchObject({ body: 'from=stdin' })
  })

  it('joins several -d with &', async () => {
    expect(await send(['-d', 'a=1', '-d', 'b=2'])).toMatchObject({ body: 'a=1&b=2' })
  })

  it('refuses a body with GET, and sends nothing', async () => {
    const before = echo.received.length
    const { code, stderr } = await run(['-X', 'GET', '-d', 'a=1', echo.url])
    expect(code).toBe(1)
    expect(stderr).toMatch(/config_invalid: a request body .* cannot be sent with GET/)
    expect(echo.received).toHaveLength(before)
  })

  it('names a file it cannot read, and sends nothing', async () => {
    const before = echo.received.length
    const missing = join(tmpdir(), `latchkey-cli-missing-${process.pid}`)
    const { code, stderr } = await run(['-d', `@${missing}`, echo.url])
    expect(code).toBe(1)
    expect(stderr).toContain(`config_invalid: cannot read the file "${missing}" given to -d`)
    expect(echo.received).toHaveLength(before)
  })
})

describe('the latchkey-token bin', () => {
  it('runs the built dist/cli.js, never the source, even where tsx is installed', async () => {
    // The installed package's layout: bin/, dist/ and src/ (published), and a consumer's tsx.
    const root = await mkdtemp(join(tmpdir(), 'latchkey-bin-'))
    try {
      await Promise.all(['bin', 'dist', 'src', 'node_modules'].map((dir) => mkdir(join(root, dir))))
      await copyFile(BIN, join(root, 'bin/latchkey-token.mjs'))
      await writeFile(join(root, 'package.json'), '{ "type": "module" }')
      await writeFile(join(root, 'src/cli.ts'), "console.log('ran src/cli.ts')\n")
      await writeFile(
        join(root, 'dist/cli.js'),
        "console.log('ran dist/cli.js with', process.argv.slice(2).join(' '))\n",
      )
      await symlink(
        await realpath(join(PACKAGE, 'node_modules/tsx')),
        join(root, 'node_modules/tsx'),
      )

      const output = await new Promise<string>((resolve, reject) => {
        execFile(
          process.execPath,
          [join(root, 'bin/latchkey-token.mjs'), '-d', 'x=1', 'https://api.example.com/'],
          { cwd: root },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        )
      })
      expect(output).toBe('ran dist/cli.js with -d x=1 https://api.example.com/\n')
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })
})
