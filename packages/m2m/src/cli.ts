// `latchkey-token`: prints a client-credentials access token, or calls a URL with one.
import { createPrivateKey, type JsonWebKey as NodeJwk } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import {
  AuthError,
  type ClientAuthMethod,
  type ClientCredentialsConfig,
  type ClientPrivateKey,
  createClientCredentials,
} from './index.js'

const METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt']

const HELP = `Usage: latchkey-token [options] [URL]

Without URL, prints an access token obtained with the OAuth 2 client credentials grant.
With URL, calls it with the token (only that URL's origin gets it), prints the HTTP status
to stderr and the response body to stdout, and exits 1 unless the status is 2xx or 3xx.

Options:
  -X, --request METHOD  HTTP method for URL (default GET, or POST with a body)
  -H, --header LINE     request header "Name: value" (repeatable)
  -d, --data DATA       request body; @FILE reads it from FILE and @- from stdin, without
                        carriage returns and newlines (repeatable: the parts are joined with &)
      --data-binary DATA
                        like --data, but @FILE and @- are sent exactly as read
  -h, --help            show this help

As in curl, a body is sent with Content-Type: application/x-www-form-urlencoded unless
-H gives another content type.

Environment:
  LATCHKEY_ISSUER            issuer URL (https://, or http:// on localhost)   required
  LATCHKEY_CLIENT_ID         client id                                        required
  LATCHKEY_CLIENT_SECRET     client secret (client_secret_basic / _post)
  LATCHKEY_PRIVATE_KEY_FILE  private key, PEM (PKCS#8) or JWK, for private_key_jwt
  LATCHKEY_KEY_ID            the key's kid (default: the JWK's kid)
  LATCHKEY_AUTH_METHOD       client_secret_basic (default with a secret), client_secret_post,
                             or private_key_jwt (default with a key)
  LATCHKEY_SCOPE             scopes, space-separated
  LATCHKEY_RESOURCE          resource indicator (RFC 8707)

Errors print their code and message (never the secret) and exit 1.
`

/** Runs the CLI; resolves with the exit code. */
async function main(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals, tokens } = parseArgs({
    args: [...args],
    allowPositionals: true,
    tokens: true,
    options: {
      request: { type: 'string', short: 'X' },
      header: { type: 'string', short: 'H', multiple: true },
      data: { type: 'string', short: 'd', multiple: true },
      'data-binary': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  if (positionals.length > 1) throw usage('give at most one URL.')
  const target = positionals[0]

  const client = createClientCredentials({
    ...(await configFromEnv(env)),
    apiOrigins: target === undefined ? [] : [originOf(target)],
  })
  if (target === undefined) {
    process.stdout.write(`${await client.getAccessToken()}\n`)
    return 0
  }

  const headers = new Headers()
  for (const line of values.header ?? []) {
    const at = line.indexOf(':')
    if (at < 1) throw usage(`--header must look like "Name: value" (got "${line}").`)
    headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim())
  }
  const data = await bodyFrom(tokens)
  const method = values.request ?? (data === undefined ? 'GET' : 'POST')
  if (data !== undefined) {
    // fetch() refuses a body here; curl would send it, but no server is expected to read it.
    if (/^(?:GET|HEAD)$/i.test(method)) {
      throw usage(`a request body (-d, --data-binary) cannot be sent with ${method}.`)
    }
    if (!headers.has('content-type')) {
      headers.set('content-type', 'application/x-www-form-urlencoded')
    }
  }
  const response = await client.authFetch(target, {
    method,
    headers,
    ...(data === undefined ? {} : { body: data }),
  })
  process.stderr.write(`HTTP ${response.status} ${response.statusText}\n`)
  const body = await response.text()
  process.stdout.write(body.endsWith('\n') || body === '' ? body : `${body}\n`)
  return response.status < 400 ? 0 : 1
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number]

/**
 * The request body as curl builds it: every -d and --data-binary in command-line order, joined
 * with "&". `@FILE` reads FILE and `@-` stdin; -d drops the carriage returns and newlines of what
 * it read (so a file's trailing newline is not sent), --data-binary keeps every byte.
 */
async function bodyFrom(tokens: readonly Token[]): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const parts: Uint8Array[] = []
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'data' && token.name !== 'data-binary')) {
      continue
    }
    const value = token.value ?? ''
    if (!value.startsWith('@')) {
      parts.push(Buffer.from(value))
      continue
    }
    const read = await readData(value.slice(1), token.rawName)
    parts.push(token.name === 'data' ? read.filter((byte) => byte !== 0x0d && byte !== 0x0a) : read)
  }
  if (parts.length === 0) return undefined
  return Buffer.concat(parts.flatMap((part, index) => (index === 0 ? [part] : [AMPERSAND, part])))
}

const AMPERSAND = Buffer.from('&')

async function readData(path: string, option: string): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks)
  }
  try {
    return await readFile(path)
  } catch {
    throw usage(`cannot read the file "${path}" given to ${option}.`)
  }
}

async function configFromEnv(
  env: NodeJS.ProcessEnv,
): Promise<Omit<ClientCredentialsConfig, 'apiOrigins'>> {
  const issuer = env.LATCHKEY_ISSUER
  const clientId = env.LATCHKEY_CLIENT_ID
  const secret = env.LATCHKEY_CLIENT_SECRET
  const keyFile = env.LATCHKEY_PRIVATE_KEY_FILE
  if (!issuer)
    throw usage('set LATCHKEY_ISSUER to the authorization server, e.g. https://id.example.com.')
  if (!clientId) throw usage('set LATCHKEY_CLIENT_ID to the client id.')
  if (!secret && !keyFile) {
    throw usage('set LATCHKEY_CLIENT_SECRET, or LATCHKEY_PRIVATE_KEY_FILE for private_key_jwt.')
  }
  if (secret && keyFile) {
    throw usage('set either LATCHKEY_CLIENT_SECRET or LATCHKEY_PRIVATE_KEY_FILE, not both.')
  }
  const method = env.LATCHKEY_AUTH_METHOD
  if (method && !METHODS.includes(method)) {
    throw usage(`LATCHKEY_AUTH_METHOD must be one of ${METHODS.join(', ')} (got "${method}").`)
  }
  return {
    issuer,
    clientId,
    ...(secret ? { clientSecret: secret } : { privateKey: await loadKey(keyFile ?? '', env) }),
    ...(method ? { authMethod: method as ClientAuthMethod } : {}),
    ...(env.LATCHKEY_SCOPE ? { scope: env.LATCHKEY_SCOPE } : {}),
    ...(env.LATCHKEY_RESOURCE ? { resource: env.LATCHKEY_RESOURCE } : {}),
  }
}

/** Reads a PKCS#8 PEM or a private JWK and imports it for signing (non-extractable). */
async function loadKey(path: string, env: NodeJS.ProcessEnv): Promise<ClientPrivateKey> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    throw usage(`cannot read LATCHKEY_PRIVATE_KEY_FILE "${path}".`)
  }
  let jwk: NodeJwk
  try {
    const given = text.trimStart().startsWith('{') ? (JSON.parse(text) as NodeJwk) : undefined
    const keyObject = createPrivateKey(given ? { key: given, format: 'jwk' } : text)
    // Exported again so a PEM and a JWK give the same thing; only the JWK can name its kid.
    jwk = { ...keyObject.export({ format: 'jwk' }), kid: given?.kid }
  } catch {
    throw usage(`LATCHKEY_PRIVATE_KEY_FILE "${path}" holds no private key in PEM or JWK format.`)
  }
  const algorithm =
    jwk.kty === 'EC'
      ? { name: 'ECDSA', namedCurve: String(jwk.crv) }
      : jwk.kty === 'RSA'
        ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
        : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
          ? { name: 'Ed25519' }
          : undefined
  if (algorithm === undefined) {
    throw usage('LATCHKEY_PRIVATE_KEY_FILE must hold an EC, RSA or Ed25519 private key.')
  }
  const key = await crypto.subtle.importKey('jwk', jwk as JsonWebKey, algorithm, false, ['sign'])
  const kid = env.LATCHKEY_KEY_ID || (typeof jwk.kid === 'string' ? jwk.kid : undefined)
  return kid ? { key, kid } : { key }
}

function originOf(target: string): string {
  try {
    return new URL(target).origin
  } catch {
    throw usage(`"${target}" is not an absolute URL.`)
  }
}

function usage(message: string): AuthError {
  return new AuthError('config_invalid', `${message} See latchkey-token --help.`)
}

const secret = process.env.LATCHKEY_CLIENT_SECRET
const mask = (text: string) => (secret ? text.split(secret).join('[redacted]') : text)

main(process.argv.slice(2), process.env).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    const text =
      error instanceof AuthError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error)
    process.stderr.write(`latchkey-token: ${mask(text)}\n`)
    process.exitCode = 1
  },
)
