// The real playground servers (oidc-provider and the jose-validated demo API), started in-process
// on free ports for one test file.
import { createHash, randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { importJWK, type JWK } from 'jose'
import { startApi } from '../../../../playground/server/api.js'
import {
  type PlaygroundConfig,
  SERVICE_CLIENT_SECRET,
  SERVICE_CLIENTS,
  startAuthServer,
  type TokenRequestRecord,
} from '../../../../playground/server/authServer.js'

export { SERVICE_CLIENT_SECRET, SERVICE_CLIENTS }

/** What a test file needs from its playground. */
export interface TestPlayground {
  issuer: string
  api: string
  /** The private key of `latchkey-service-jwt`, as a CryptoKey, with its kid. */
  serviceKey: { key: CryptoKey; kid: string }
  /** The same key as a private JWK. */
  serviceJwk: JWK
  /** Client-credentials requests the token endpoint received so far. */
  tokenRequests(): Promise<TokenRequestRecord[]>
  /** Requests the API received so far (path and status). */
  apiRequests(): Promise<{ path: string; status: number | null; hasAuthorization: boolean }[]>
  configure(config: Partial<PlaygroundConfig>): Promise<void>
  /**
   * Signs a user in to the SPA client through the dev login and consent pages (HTTP only, no
   * browser) and exchanges the code: the access token an end user's app would hold, or the
   * authorization server's `error`.
   */
  userToken(scope: string): Promise<{ accessToken: string } | { error: string }>
  close(): Promise<void>
}

/** A port nobody listens on right now (the Playwright playground's fixed ports are avoided). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      )
    })
  })
}

export async function startPlayground(): Promise<TestPlayground> {
  const [authPort, apiPort] = [await freePort(), await freePort()]
  const issuer = `http://localhost:${authPort}`
  const api = `http://localhost:${apiPort}`
  const auth = await startAuthServer({
    port: authPort,
    issuer,
    spaOrigins: ['http://localhost:9'],
    apiAudience: api,
  })
  const apiServer = await startApi({
    port: apiPort,
    issuer,
    audience: api,
    spaOrigins: ['http://localhost:9'],
  })
  const { kid } = auth.serviceClientKey
  const key = await importJWK(auth.serviceClientKey, 'ES256')
  if (!(key instanceof CryptoKey) || kid === undefined) throw new Error('unexpected service key')
  return {
    issuer,
    api,
    serviceKey: { key, kid },
    serviceJwk: auth.serviceClientKey,
    async tokenRequests() {
      const response = await fetch(`${issuer}/__playground/stats`)
      const { tokenRequests } = (await response.json()) as { tokenRequests: TokenRequestRecord[] }
      return tokenRequests.filter((request) => request.grant_type === 'client_credentials')
    },
    async apiRequests() {
      return (await fetch(`${api}/__playground/requests`)).json()
    },
    async configure(config) {
      const response = await fetch(`${issuer}/__playground/config`, {
        method: 'POST',
        body: JSON.stringify(config),
      })
      if (!response.ok) throw new Error(`config refused: ${await response.text()}`)
    },
    userToken: (scope) => userToken(issuer, api, scope),
    async close() {
      await Promise.all([auth.close(), apiServer.close()])
    },
  }
}

const SPA_REDIRECT_URI = 'http://localhost:9/callback'

async function userToken(
  issuer: string,
  resource: string,
  scope: string,
): Promise<{ accessToken: string } | { error: string }> {
  const cookies = new Map<string, string>()
  const send = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '))
    const response = await fetch(url, { ...init, headers, redirect: 'manual' })
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';')
      const at = pair.indexOf('=')
      cookies.set(pair.slice(0, at), pair.slice(at + 1))
    }
    return response
  }
  const verifier = randomBytes(32).toString('base64url')
  const authorize = new URL(`${issuer}/auth`)
  authorize.search = new URLSearchParams({
    client_id: 'latchkey-spa',
    response_type: 'code',
    redirect_uri: SPA_REDIRECT_URI,
    scope,
    resource,
    state: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString()
  let location = authorize.href
  for (let step = 0; step < 10; step++) {
    if (location.startsWith(SPA_REDIRECT_URI)) {
      const params = new URL(location).searchParams
      const code = params.get('code')
      if (code === null) return { error: params.get('error') ?? 'no code' }
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: SPA_REDIRECT_URI,
          client_id: 'latchkey-spa',
          code_verifier: verifier,
        }),
      })
      const body = (await response.json()) as { access_token?: string; error?: string }
      return body.access_token ? { accessToken: body.access_token } : { error: String(body.error) }
    }
    let response = await send(location)
    if (new URL(location).pathname.startsWith('/interaction/')) {
      // The dev interaction pages: any login name, then consent.
      const prompt = /name="prompt" value="(\w+)"/.exec(await response.text())?.[1] ?? 'login'
      response = await send(location, {
        method: 'POST',
        body: new URLSearchParams({ prompt, login: 'alice', password: 'any' }),
      })
    }
    const next = response.headers.get('location')
    if (next === null) throw new Error(`sign-in stopped at ${location} (${response.status})`)
    location = new URL(next, location).href
  }
  throw new Error('sign-in did not finish')
}
