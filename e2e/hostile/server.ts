// A hostile authorization server for the adversarial specs: two issuers that speak OAuth 2 / OIDC
// well enough for Latchkey, and misbehave per test as the posted scenario says. It also serves a
// harness page that loads the SDK straight from packages/core/src, bundled on each request.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { sdkBundler } from '../sdkBundle.js'
import {
  HOSTILE,
  type HostileLog,
  type IdTokenTamper,
  type Scenario,
  type TokenRecord,
} from './scenario.js'

const PORT = 4100
const ISSUERS = ['as1', 'as2'] as const
type IssuerName = (typeof ISSUERS)[number]

const HARNESS_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Latchkey hostile harness</title></head>
<body>
<script type="module">
import { AuthError, createAuth } from '/app/latchkey.js'
window.Latchkey = { createAuth, AuthError }
window.harnessReady = true
</script>
</body>
</html>
`

const sdk = await sdkBundler()

const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
const KID = 'hostile-rs256'
const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' }
const HS256_SECRET = new TextEncoder().encode('a-shared-secret-that-no-client-should-trust!')

interface CodeGrant {
  issuer: string
  clientId: string
  redirectUri: string
  codeChallenge: string
  scope: string
  nonce: string | undefined
  sub: string
}
interface RefreshGrant {
  issuer: string
  clientId: string
  scope: string
  sub: string
}
const codes = new Map<string, CodeGrant>()
const refreshTokens = new Map<string, RefreshGrant>()

let scenario: Scenario = {}
let log: HostileLog = { authorize: [], token: [], echo: [] }

const secret = (prefix: string) => `${prefix}-SECRET-${randomBytes(9).toString('base64url')}`

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'application/json',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers })
  res.end(body)
}
const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, JSON.stringify(value))

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function metadata(name: IssuerName): Record<string, unknown> {
  const issuer = `${HOSTILE}/${name}`
  return {
    issuer: scenario.metadataIssuer ?? issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    revocation_endpoint: `${issuer}/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    scopes_supported: ['openid', 'profile', 'offline_access'],
    token_endpoint_auth_methods_supported: ['none'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    ...(scenario.dpop ? { dpop_signing_alg_values_supported: ['ES256'] } : {}),
  }
}

function authorize(name: IssuerName, url: URL, res: ServerResponse): void {
  const issuer = `${HOSTILE}/${name}`
  const params = Object.fromEntries(url.searchParams)
  log.authorize.push({ issuer, params })
  const behaviour = scenario.callback ?? {}
  if (behaviour.forwardTo !== undefined && behaviour.forwardTo !== name) {
    send(res, 302, '', 'text/plain', {
      location: `${HOSTILE}/${behaviour.forwardTo}/authorize${url.search}`,
    })
    return
  }
  const { client_id: clientId, redirect_uri: redirectUri, state } = params
  if (clientId === undefined || redirectUri === undefined || params.response_type !== 'code') {
    send(res, 400, 'client_id, redirect_uri and response_type=code are required', 'text/plain')
    return
  }
  if (params.code_challenge === undefined || params.code_challenge_method !== 'S256') {
    send(res, 400, 'PKCE with S256 is required', 'text/plain')
    return
  }
  const code = secret('CODE')
  codes.set(code, {
    issuer,
    clientId,
    redirectUri,
    codeChallenge: params.code_challenge,
    scope: params.scope ?? '',
    nonce: params.nonce,
    sub: 'alice',
  })

  const target = new URL(redirectUri)
  const out = target.searchParams
  const iss = behaviour.iss === undefined ? issuer : behaviour.iss
  if (behaviour.error !== undefined) {
    out.append('error', behaviour.error)
    if (behaviour.errorDescription !== undefined) {
      out.append('error_description', behaviour.errorDescription)
    }
    if (behaviour.codeWithError) out.append('code', code)
  } else {
    out.append('code', code)
  }
  if (state !== undefined) out.append('state', state)
  if (iss !== null) out.append('iss', iss)
  switch (behaviour.duplicate) {
    case 'code':
      out.append('code', secret('CODE'))
      break
    case 'state':
      out.append('state', 'a-second-state')
      break
    case 'iss':
      out.append('iss', `${HOSTILE}/${name === 'as1' ? 'as2' : 'as1'}`)
      break
  }
  send(res, 302, '', 'text/plain', { location: target.href })
}

async function idToken(
  issuer: string,
  clientId: string,
  sub: string,
  nonce: string | undefined,
  tamper: IdTokenTamper = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const azp = tamper.azp === undefined ? clientId : tamper.azp
  const claims: Record<string, unknown> = {
    iss: tamper.iss ?? issuer,
    sub: tamper.sub ?? sub,
    aud: tamper.aud ?? clientId,
    ...(azp === null ? {} : { azp }),
    ...((tamper.nonce ?? nonce) === undefined ? {} : { nonce: tamper.nonce ?? nonce }),
    iat: now + (tamper.iatIn ?? 0),
    exp: now + (tamper.expIn ?? 300),
    name: 'Alice',
  }
  if (tamper.alg === 'none') {
    const part = (value: unknown) => base64url.encode(JSON.stringify(value))
    return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`
  }
  if (tamper.alg === 'HS256') {
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(HS256_SECRET)
  }
  const jwt = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: KID })
    .sign(privateKey)
  if (!tamper.badSignature) return jwt
  const [header, payload, signature] = jwt.split('.') as [string, string, string]
  const bytes = base64url.decode(signature)
  for (let i = 0; i < bytes.length; i += 16) bytes[i] = (bytes[i] ?? 0) ^ 0xff
  return `${header}.${payload}.${base64url.encode(bytes)}`
}

async function token(name: IssuerName, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const issuer = `${HOSTILE}/${name}`
  const form = Object.fromEntries(new URLSearchParams(await readBody(req)))
  const dpop = typeof req.headers.dpop === 'string'
  const record: TokenRecord = { issuer, form, dpop, status: null }
  log.token.push(record)
  const behaviour = scenario.token ?? {}
  if (behaviour.drop) {
    req.socket.destroy()
    return
  }
  if (behaviour.delayMs !== undefined) {
    await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs))
    if (res.destroyed) return
  }
  const refuse = (status: number, error: string, description?: string) => {
    record.status = status
    sendJson(res, status, {
      error,
      ...(description === undefined ? {} : { error_description: description }),
    })
  }
  if (behaviour.error !== undefined) {
    refuse(behaviour.error.status, behaviour.error.error, behaviour.error.errorDescription)
    return
  }

  let grant: RefreshGrant
  let nonce: string | undefined
  let tamper: IdTokenTamper | undefined
  if (form.grant_type === 'authorization_code') {
    const code = codes.get(form.code ?? '')
    if (code !== undefined) codes.delete(form.code ?? '')
    if (code === undefined || code.issuer !== issuer) {
      refuse(400, 'invalid_grant', 'unknown, used or foreign authorization code')
      return
    }
    const challenge = createHash('sha256')
      .update(form.code_verifier ?? '')
      .digest('base64url')
    if (
      form.client_id !== code.clientId ||
      form.redirect_uri !== code.redirectUri ||
      challenge !== code.codeChallenge
    ) {
      refuse(400, 'invalid_grant', 'client_id, redirect_uri or code_verifier does not match')
      return
    }
    grant = { issuer, clientId: code.clientId, scope: code.scope, sub: code.sub }
    nonce = code.nonce
    tamper = scenario.idToken
  } else if (form.grant_type === 'refresh_token') {
    const found = refreshTokens.get(form.refresh_token ?? '')
    if (found === undefined || found.issuer !== issuer || found.clientId !== form.client_id) {
      refuse(400, 'invalid_grant', 'unknown or used refresh token')
      return
    }
    refreshTokens.delete(form.refresh_token ?? '') // rotation
    grant = found
    tamper = scenario.refreshIdToken
  } else {
    refuse(400, 'unsupported_grant_type')
    return
  }

  const scopes = grant.scope.split(' ')
  const tokens: { access_token?: string; refresh_token?: string; id_token?: string } = {
    access_token: secret('AT'),
  }
  if (scopes.includes('offline_access')) {
    tokens.refresh_token = secret('RT')
    refreshTokens.set(tokens.refresh_token, grant)
  }
  if (scopes.includes('openid')) {
    tokens.id_token = await idToken(issuer, grant.clientId, grant.sub, nonce, tamper)
  }
  if (behaviour.omitAccessToken) delete tokens.access_token
  record.status = 200
  record.tokens = tokens
  sendJson(res, 200, {
    ...tokens,
    token_type: behaviour.tokenType ?? (dpop ? 'DPoP' : 'Bearer'),
    expires_in: 300,
    scope: grant.scope,
  })
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', HOSTILE)
  const path = url.pathname
  const method = req.method ?? 'GET'

  if (path === '/__hostile/health') return send(res, 200, 'ok', 'text/plain')
  if (path === '/__hostile/log' && method === 'GET') return sendJson(res, 200, log)
  if (path === '/__hostile/scenario' && method === 'POST') {
    scenario = JSON.parse((await readBody(req)) || '{}') as Scenario
    log = { authorize: [], token: [], echo: [] }
    return sendJson(res, 200, scenario)
  }
  // A redirect anywhere, and a page that records which credentials reached it: does a token
  // follow authFetch() through a redirect to another origin?
  if (path === '/__hostile/redirect') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/' })
    return void res.end()
  }
  if (path === '/__hostile/echo') {
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
    res.setHeader('access-control-allow-headers', 'authorization, dpop, content-type')
    res.setHeader('access-control-allow-methods', 'GET, POST')
    if (method === 'OPTIONS') return send(res, 204, '', 'text/plain')
    log.echo.push({
      method,
      host: req.headers.host ?? '',
      authorization: req.headers.authorization !== undefined,
      dpop: req.headers.dpop !== undefined,
    })
    return sendJson(res, 200, { echoed: true })
  }
  if (path === '/app/' || path === '/app/callback') {
    return send(res, 200, HARNESS_HTML, 'text/html; charset=utf-8')
  }
  if (path === '/app/latchkey.js') {
    return send(res, 200, await sdk.bundle(), 'text/javascript; charset=utf-8')
  }

  const [, first, ...rest] = path.split('/')
  const name = ISSUERS.find((issuer) => issuer === first)
  const endpoint = rest.join('/')
  if (name !== undefined) {
    if (endpoint === '.well-known/openid-configuration') return sendJson(res, 200, metadata(name))
    if (endpoint === 'jwks') return sendJson(res, 200, { keys: [publicJwk] })
    if (endpoint === 'authorize' && method === 'GET') return authorize(name, url, res)
    if (endpoint === 'token' && method === 'POST') return token(name, req, res)
    if (endpoint === 'revoke' && method === 'POST') {
      const form = new URLSearchParams(await readBody(req))
      refreshTokens.delete(form.get('token') ?? '')
      return send(res, 200, '', 'text/plain')
    }
  }
  send(res, 404, 'not found', 'text/plain')
}

const server = createServer((req, res) => {
  route(req, res).catch((error: unknown) => {
    console.error(error)
    if (!res.headersSent && !res.destroyed) send(res, 500, String(error), 'text/plain')
  })
})
server.listen(PORT, '127.0.0.1', () => {
  console.log(`hostile authorization server on ${HOSTILE} (issuers /as1 and /as2, harness /app/)`)
})

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.closeAllConnections()
    server.close()
    void sdk.dispose().finally(() => process.exit(0))
  })
}
