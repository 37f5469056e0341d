// The playground's demo API: a resource server that accepts only access tokens the playground's
// (or the configured) issuer minted for it, as a real API would.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  EmbeddedJWK,
  errors,
  type JWTPayload,
  jwtVerify,
} from 'jose'
import { listen, type RunningServer, sendJson, stop } from './http.js'

/** Options for {@link startApi}. */
export interface ApiOptions {
  /** Port to listen on (host 127.0.0.1). */
  port: number
  /** Issuer whose access tokens are accepted; its JWKS is discovered on first use. */
  issuer: string
  /** Required `aud` of access tokens (the API's resource indicator). */
  audience: string
  /** The only origin allowed to call the API from a browser. */
  spaOrigin: string
}

/** One request the API received, as reported by `GET /__playground/requests`. */
export interface ApiRequestRecord {
  method: string
  path: string
  host: string | null
  origin: string | null
  hasAuthorization: boolean
  at: number
}

const REALM = 'latchkey-demo'
const REQUIRED_SCOPE = 'api:read'
const ACCESS_TOKEN_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']
const DPOP_ALGS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256']
const DPOP_PROOF_MAX_AGE_S = 60

/** A rejection that maps to an RFC 6750 / RFC 9449 challenge. */
class Rejection {
  constructor(
    readonly status: 401 | 403 | 503,
    readonly error: string | undefined,
    readonly description: string | undefined,
    readonly scheme: 'Bearer' | 'DPoP',
  ) {}
}

/**
 * Starts the demo API on 127.0.0.1.
 *
 * `GET /api/me` answers with the caller's claims when the request carries a valid access token:
 * `Authorization: Bearer <jwt>`, or `Authorization: DPoP <jwt>` plus a `DPoP` proof when the token
 * is sender-constrained. `GET /__playground/requests` lists every other request it received.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (Bearer challenges)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7 (DPoP-bound tokens)
 * @see https://www.rfc-editor.org/rfc/rfc9068 (JWT access tokens)
 * @throws when the port is taken (the error has `code: 'EADDRINUSE'`).
 */
export async function startApi(options: ApiOptions): Promise<RunningServer> {
  const { issuer, audience, spaOrigin } = options
  const requests: ApiRequestRecord[] = []
  const verifier = createTokenVerifier(issuer, audience)

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname.startsWith('/__playground/')) {
      if (req.method === 'GET' && url.pathname === '/__playground/requests') {
        sendJson(res, 200, requests)
      } else {
        sendJson(res, 404, { error: 'not_found' })
      }
      return
    }

    requests.push({
      method: req.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      host: req.headers.host ?? null,
      origin: req.headers.origin ?? null,
      hasAuthorization: req.headers.authorization !== undefined,
      at: Date.now(),
    })

    const cors = corsHeaders(req, spaOrigin)
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end()
      return
    }
    if (url.pathname !== '/api/me') {
      sendJson(res, 404, { error: 'not_found' }, cors)
      return
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed' }, { ...cors, allow: 'GET, OPTIONS' })
      return
    }

    verifier(req, url)
      .then(({ payload, scheme }) => {
        const scope = typeof payload.scope === 'string' ? payload.scope : ''
        if (!scope.split(' ').includes(REQUIRED_SCOPE)) {
          throw new Rejection(
            403,
            'insufficient_scope',
            `the token lacks the ${REQUIRED_SCOPE} scope`,
            scheme,
          )
        }
        sendJson(
          res,
          200,
          {
            sub: payload.sub,
            client_id: payload.client_id,
            scope,
            iat: payload.iat,
            exp: payload.exp,
            token_type: scheme,
            message: `Hello ${payload.sub} from the demo API`,
          },
          cors,
        )
      })
      .catch((error: unknown) => {
        const rejection =
          error instanceof Rejection
            ? error
            : new Rejection(503, undefined, 'token validation failed unexpectedly', 'Bearer')
        if (!(error instanceof Rejection)) {
          console.error('[api] token validation failed unexpectedly:', error)
        }
        sendRejection(res, rejection, cors)
      })
  })

  await listen(server, options.port)
  return { url: `http://localhost:${options.port}`, close: () => stop(server) }
}

function corsHeaders(req: IncomingMessage, spaOrigin: string): Record<string, string> {
  const headers: Record<string, string> = { vary: 'Origin' }
  if (req.headers.origin !== spaOrigin) {
    return headers
  }
  headers['access-control-allow-origin'] = spaOrigin
  headers['access-control-expose-headers'] = 'WWW-Authenticate, DPoP-Nonce'
  if (req.method === 'OPTIONS') {
    headers['access-control-allow-methods'] = 'GET, POST, PUT, PATCH, DELETE'
    headers['access-control-allow-headers'] = 'Authorization, DPoP, Content-Type'
    headers['access-control-max-age'] = '600'
  }
  return headers
}

function sendRejection(
  res: ServerResponse,
  { status, error, description, scheme }: Rejection,
  cors: Record<string, string>,
): void {
  const headers = { ...cors }
  if (status !== 503) {
    const params = [`realm="${REALM}"`]
    if (error) params.push(`error="${error}"`)
    if (description) params.push(`error_description="${description}"`)
    if (error === 'insufficient_scope') params.push(`scope="${REQUIRED_SCOPE}"`)
    if (scheme === 'DPoP') params.push(`algs="${DPOP_ALGS.join(' ')}"`)
    headers['www-authenticate'] = `${scheme} ${params.join(', ')}`
  }
  sendJson(
    res,
    status,
    { error: error ?? (status === 503 ? 'temporarily_unavailable' : 'unauthorized') },
    headers,
  )
}

type Verified = { payload: JWTPayload; scheme: 'Bearer' | 'DPoP' }

function createTokenVerifier(
  issuer: string,
  audience: string,
): (req: IncomingMessage, url: URL) => Promise<Verified> {
  // Discovered on first use so the API can start before (or without) the authorization server;
  // forgotten on failure so a server that comes up later is picked up.
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined
  const getJwks = () => {
    jwks ??= discoverJwks(issuer).catch((error: unknown) => {
      jwks = undefined
      throw error
    })
    return jwks
  }
  const seenProofs = new Map<string, number>()

  return async (req, url) => {
    const [scheme, token, ...rest] = (req.headers.authorization ?? '').trim().split(/\s+/)
    const lowerScheme = scheme?.toLowerCase()
    if (!token || rest.length > 0 || (lowerScheme !== 'bearer' && lowerScheme !== 'dpop')) {
      const malformed = req.headers.authorization !== undefined
      throw new Rejection(
        401,
        malformed ? 'invalid_request' : undefined,
        malformed ? 'malformed Authorization header' : undefined,
        'Bearer',
      )
    }
    const usedScheme = lowerScheme === 'dpop' ? 'DPoP' : 'Bearer'

    let keySet: Awaited<ReturnType<typeof getJwks>>
    try {
      keySet = await getJwks()
    } catch (error) {
      console.error(`[api] cannot discover the JWKS of ${issuer}:`, error)
      throw new Rejection(503, undefined, undefined, usedScheme)
    }

    let payload: JWTPayload
    try {
      ;({ payload } = await jwtVerify(token, keySet, {
        issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ACCESS_TOKEN_ALGS,
        requiredClaims: ['exp', 'sub'],
      }))
    } catch (error) {
      throw new Rejection(401, 'invalid_token', describeJoseError(error), usedScheme)
    }

    const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt
    if (typeof jkt !== 'string') {
      if (usedScheme === 'DPoP') {
        throw new Rejection(401, 'invalid_token', 'token is not DPoP-bound', 'DPoP')
      }
      return { payload, scheme: 'Bearer' }
    }
    // RFC 9449 section 7.2: a stolen DPoP-bound token must not work as a Bearer token.
    if (usedScheme !== 'DPoP') {
      throw new Rejection(401, 'invalid_token', 'DPoP-bound token sent as Bearer', 'DPoP')
    }
    await verifyDpopProof(req, url, token, jkt, seenProofs)
    return { payload, scheme: 'DPoP' }
  }
}

async function discoverJwks(issuer: string): Promise<ReturnType<typeof createRemoteJWKSet>> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
  if (!response.ok) {
    throw new Error(`discovery answered ${response.status}`)
  }
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown }
  if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
    throw new Error('discovery document has a different issuer or no jwks_uri')
  }
  return createRemoteJWKSet(new URL(metadata.jwks_uri))
}

async function verifyDpopProof(
  req: IncomingMessage,
  url: URL,
  token: string,
  jkt: string,
  seenProofs: Map<string, number>,
): Promise<void> {
  const invalid = (description: string) =>
    new Rejection(401, 'invalid_dpop_proof', description, 'DPoP')
  const proof = req.headers.dpop
  if (typeof proof !== 'string' || proof.includes(',')) {
    throw invalid('exactly one DPoP proof is required')
  }

  let payload: JWTPayload
  let thumbprint: string
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: DPOP_ALGS,
      maxTokenAge: DPOP_PROOF_MAX_AGE_S,
      clockTolerance: 5,
      requiredClaims: ['iat', 'jti', 'htm', 'htu', 'ath'],
    })
    payload = verified.payload
    const jwk = verified.protectedHeader.jwk
    if (!jwk || 'd' in jwk) {
      throw invalid('proof must embed a public key')
    }
    thumbprint = await calculateJwkThumbprint(jwk)
  } catch (error) {
    throw error instanceof Rejection ? error : invalid(describeJoseError(error))
  }

  if (thumbprint !== jkt) {
    throw invalid('proof key does not match the token binding')
  }
  if (payload.htm !== req.method) {
    throw invalid('htm does not match the request method')
  }
  const expectedHtu = `http://${req.headers.host ?? url.host}${url.pathname}`
  if (typeof payload.htu !== 'string' || stripQuery(payload.htu) !== expectedHtu) {
    throw invalid('htu does not match the request URL')
  }
  const ath = createHash('sha256').update(token).digest('base64url')
  if (payload.ath !== ath) {
    throw invalid('ath does not match the access token')
  }

  const now = Date.now()
  for (const [jti, expiresAt] of seenProofs) {
    if (expiresAt < now) seenProofs.delete(jti)
  }
  const jti = String(payload.jti)
  if (seenProofs.has(jti)) {
    throw invalid('proof was already used')
  }
  seenProofs.set(jti, now + (DPOP_PROOF_MAX_AGE_S + 10) * 1000)
}

function stripQuery(htu: string): string | undefined {
  try {
    const parsed = new URL(htu)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return undefined
  }
}

/** Short, token-free reasons for `error_description`. */
function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired'
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'aud':
        return 'wrong audience'
      case 'iss':
        return 'wrong issuer'
      case 'typ':
        return 'not an access token (typ)'
      case 'iat':
        return 'proof is too old or from the future'
      default:
        return `invalid ${error.claim} claim`
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature'
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown signing key'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed'
  return 'malformed token'
}
