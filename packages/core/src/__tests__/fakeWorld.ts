// A fake browser (any number of tabs) and authorization server for unit tests: no globals patched.
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { type KeyValueStore, memoryStore } from '../first/kv.js'
import type { Platform, TabChannel, TabMessage } from '../first/platform.js'

export const ISSUER = 'https://id.example.com'
export const APP = 'https://app.example.com'
export const API = 'https://api.example.com'
/** A second API, with an audience of its own (the `apis` option, RFC 8707). */
export const REPORTS = 'https://reports.example.com'
export const config = { issuer: ISSUER, clientId: 'spa', redirectUri: `${APP}/callback` }

const { privateKey } = await generateKeyPair('RS256')

export interface WorldOptions {
  /** Status for authorization-code token requests (200 by default). */
  codeStatus?: number
  idTokenAud?: string
  /** `expires_in` of issued access tokens. */
  expiresIn?: number
  /** The `sub` of ID tokens from code exchanges (`user-1` by default). */
  codeSub?: string
  /** The `sub` of ID tokens from refreshes (defaults to `user-1`). */
  refreshSub?: string
  /** Advertise DPoP (`dpop_signing_alg_values_supported`) in the metadata. */
  dpop?: boolean
  /** Demand a DPoP nonce at the token endpoint. */
  tokenNonce?: boolean
  /** Answer with this token_type whatever was asked (to test mismatches). */
  tokenType?: string
  /** Seconds added to ID tokens' `iat` (a server clock running ahead). */
  iatOffset?: number
  /** The metadata's `issuer`, when it should differ from the configured one. */
  metadataIssuer?: string
  /** The `aud` of ID tokens from refreshes only (defaults to `idTokenAud`). */
  refreshIdTokenAud?: string
  /** Seconds between the sign-in at the server and the token response (`auth_time`). */
  authAge?: number
  /** Whether the metadata lists an `end_session_endpoint` (true by default). */
  endSession?: boolean
  /** More claims for the ID tokens (e.g. Entra ID's `login_hint` and `tid`). */
  idTokenClaims?: Record<string, unknown>
  /** The ID tokens' `iss` (the configured issuer by default). */
  idTokenIssuer?: string
  /** A path the server's endpoints sit under, as an issuer's path: `/common/v2.0`. */
  issuerPath?: string
  /** Whether the server sends RFC 9207's `iss` with its responses, and says so (true by default). */
  issParameter?: boolean
  /**
   * Pushed authorization requests (RFC 9126): `'advertised'` names the endpoint (`/par`) in the
   * metadata, `'required'` also says `require_pushed_authorization_requests`, and
   * `'required-without-endpoint'` says that alone. The endpoint demands a DPoP nonce with
   * `tokenNonce`, as the token endpoint does.
   */
  par?: 'advertised' | 'required' | 'required-without-endpoint'
  /**
   * The resource indicators the server knows (RFC 8707): a token request for another answers
   * `invalid_target`. Without it every resource is accepted.
   */
  resources?: string[]
  /**
   * Access tokens as JWTs (RFC 9068) whose `aud` is the requested `resource` (`'honoured'`), or
   * the API's whatever was asked, as a server without resource indicators (`'ignored'`).
   * Opaque tokens (`at-1`, ...) without it.
   */
  jwtAccessTokens?: 'honoured' | 'ignored'
}

/** What the next token response does: a status, a JSON OAuth error, or 'network' (fetch rejects). */
type Fault =
  | number
  | 'network'
  | { status: number; error: string; description?: string; headers?: HeadersInit }

/** A DPoP proof's header and claims, as the fake server saw them. */
export interface SeenProof {
  typ: unknown
  jwk: unknown
  htm: unknown
  htu: unknown
  ath: unknown
  nonce: unknown
}

function readProof(headers: Headers): SeenProof | undefined {
  const proof = headers.get('dpop')
  if (proof === null) return undefined
  const header = decodeProtectedHeader(proof)
  const claims = decodeJwt(proof)
  return {
    typ: header.typ,
    jwk: header.jwk,
    htm: claims.htm,
    htu: claims.htu,
    ath: claims.ath,
    nonce: claims.nonce,
  }
}

interface Timer {
  at: number
  callback: () => void
}

/** A fake world: one server, shared IndexedDB and BroadcastChannel, and tabs. */
export function fakeWorld(options: WorldOptions = {}) {
  let now = Date.now()
  const storage: KeyValueStore = memoryStore()
  const flags: KeyValueStore = memoryStore()
  const listeners = new Set<{ tab: number; listener: (message: TabMessage) => void }>()
  // One queue per lock name, as with Web Locks: different names never wait for each other.
  const lockQueues = new Map<string, Promise<unknown>>()
  const timers = new Set<Timer>()
  const tokenRequests: URLSearchParams[] = []
  const revoked: string[] = []
  /** What the next token responses do: 'ok', a status, or 'network' (fetch rejects). */
  const faults: Fault[] = []
  /** Requests pushed to `/par` (RFC 9126), with their DPoP proofs, and what it answered. */
  const pushed: Array<{ params: URLSearchParams; proof: SeenProof | undefined; status: number }> =
    []
  /** What the next pushed authorization responses are, instead of a `request_uri`. */
  const parAnswers: Array<() => Response> = []
  /** The parameters of the authorization request `url` stands for: its own, or the pushed ones. */
  const authorizationParams = (url: URL): URLSearchParams => {
    const requestUri = url.searchParams.get('request_uri')
    if (requestUri === null) return url.searchParams
    const index = Number(requestUri.split(':').at(-1))
    return pushed[index]?.params ?? new URLSearchParams()
  }
  function pushedResponse(body: URLSearchParams, headers: Headers): Response {
    const proof = readProof(headers)
    const answer =
      proof !== undefined && options.tokenNonce && proof.nonce !== 'server-nonce'
        ? Response.json(
            { error: 'use_dpop_nonce', error_description: 'nonce required' },
            { status: 400, headers: { 'dpop-nonce': 'server-nonce' } },
          )
        : (parAnswers.shift()?.() ??
          Response.json(
            { request_uri: `urn:ietf:params:oauth:request_uri:${pushed.length}`, expires_in: 60 },
            { status: 201 },
          ))
    pushed.push({ params: body, proof, status: answer.status })
    return answer
  }
  /** Token requests wait for these, one each, before they are answered. */
  const holds: Array<Promise<unknown>> = []
  let validRefreshTokens = new Set<string>()
  let issued = 0
  let lastNonce: string | undefined
  let visible = true
  const visibleCallbacks = new Set<() => void>()
  const onlineCallbacks = new Set<() => void>()

  async function idToken(sub: string, nonce?: string, aud = options.idTokenAud): Promise<string> {
    const seconds = Math.floor(now / 1000)
    return new SignJWT({
      ...(nonce === undefined ? {} : { nonce }),
      name: 'Ada',
      auth_time: seconds - (options.authAge ?? 0),
      ...options.idTokenClaims,
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(options.idTokenIssuer ?? ISSUER)
      .setAudience(aud ?? 'spa')
      .setSubject(sub)
      .setIssuedAt(seconds + (options.iatOffset ?? 0))
      .setExpirationTime(seconds + 300)
      .sign(privateKey)
  }

  async function tokenResponse(body: URLSearchParams, headers: Headers): Promise<Response> {
    tokenRequests.push(body)
    const proof = readProof(headers)
    tokenProofs.push(proof)
    if (proof !== undefined && options.tokenNonce && proof.nonce !== 'server-nonce') {
      return Response.json(
        { error: 'use_dpop_nonce', error_description: 'nonce required' },
        { status: 400, headers: { 'dpop-nonce': 'server-nonce' } },
      )
    }
    await holds.shift()
    const fault = faults.shift()
    if (fault === 'network') throw new TypeError('Failed to fetch')
    if (typeof fault === 'number') return new Response('upstream down', { status: fault })
    if (fault !== undefined) {
      return Response.json(
        {
          error: fault.error,
          ...(fault.description === undefined ? {} : { error_description: fault.description }),
        },
        { status: fault.status, ...(fault.headers ? { headers: fault.headers } : {}) },
      )
    }
    const grant = body.get('grant_type')
    if (grant === 'authorization_code' && (options.codeStatus ?? 200) !== 200) {
      return Response.json(
        { error: 'invalid_grant', error_description: 'code expired' },
        { status: options.codeStatus ?? 400 },
      )
    }
    const resource = body.get('resource')
    if (resource !== null && options.resources && !options.resources.includes(resource)) {
      return Response.json(
        { error: 'invalid_target', error_description: 'resource indicator is missing, or unknown' },
        { status: 400 },
      )
    }
    if (grant === 'refresh_token') {
      const token = body.get('refresh_token') ?? ''
      if (!validRefreshTokens.has(token)) {
        // Reuse of a rotated token revokes the whole grant, as oidc-provider does.
        validRefreshTokens = new Set()
        return Response.json(
          { error: 'invalid_grant', error_description: 'grant request is invalid' },
          { status: 400 },
        )
      }
      validRefreshTokens.delete(token)
    }
    issued += 1
    const refreshToken = `rt-${issued}`
    validRefreshTokens.add(refreshToken)
    const sub =
      grant === 'refresh_token' ? (options.refreshSub ?? 'user-1') : (options.codeSub ?? 'user-1')
    const audience = options.jwtAccessTokens === 'honoured' ? (resource ?? API) : API
    return Response.json({
      access_token:
        options.jwtAccessTokens === undefined
          ? `at-${issued}`
          : `eyJhbGciOiJSUzI1NiJ9.${btoa(JSON.stringify({ aud: audience, jti: issued }))
              .replace(/=+$/, '')
              .replace(/\+/g, '-')
              .replace(/\//g, '_')}.sig`,
      token_type: options.tokenType ?? (proof === undefined ? 'Bearer' : 'DPoP'),
      expires_in: options.expiresIn ?? 300,
      refresh_token: refreshToken,
      id_token:
        grant === 'authorization_code'
          ? await idToken(sub, lastNonce)
          : await idToken(sub, undefined, options.refreshIdTokenAud ?? options.idTokenAud),
    })
  }

  /** The server and the demo API. */
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (url.origin === ISSUER) {
      const body = new URLSearchParams(String(init?.body ?? ''))
      switch (url.pathname.replace(options.issuerPath ?? '', '')) {
        case '/.well-known/openid-configuration':
          return Response.json({
            issuer: options.metadataIssuer ?? ISSUER,
            authorization_endpoint: `${ISSUER}/auth`,
            token_endpoint: `${ISSUER}/token`,
            revocation_endpoint: `${ISSUER}/revoke`,
            ...(options.endSession === false
              ? {}
              : { end_session_endpoint: `${ISSUER}/session/end` }),
            authorization_response_iss_parameter_supported: options.issParameter !== false,
            ...(options.dpop ? { dpop_signing_alg_values_supported: ['ES256', 'EdDSA'] } : {}),
            ...(options.par === 'advertised' || options.par === 'required'
              ? { pushed_authorization_request_endpoint: `${ISSUER}/par` }
              : {}),
            ...(options.par?.startsWith('required')
              ? { require_pushed_authorization_requests: true }
              : {}),
          })
        case '/par':
          return pushedResponse(body, new Headers(init?.headers))
        case '/token':
          return tokenResponse(body, new Headers(init?.headers))
        case '/revoke':
          revoked.push(body.get('token') ?? '')
          revocationProofs.push(readProof(new Headers(init?.headers)))
          validRefreshTokens.delete(body.get('token') ?? '')
          return new Response(null, { status: 200 })
      }
    }
    if (url.origin === API || url.origin === REPORTS) {
      const headers = new Headers(init?.headers)
      api.push({
        url: url.href,
        method: init?.method ?? 'GET',
        authorization: headers.get('authorization'),
        proof: readProof(headers),
        body: init?.body ?? null,
      })
      const answer = apiAnswers.shift()
      if (answer !== undefined) return answer()
      return Response.json({ ok: true })
    }
    return new Response('not found', { status: 404 })
  }) as typeof globalThis.fetch

  const api: Array<{
    url: string
    method: string
    authorization: string | null
    proof: SeenProof | undefined
    body: unknown
  }> = []
  const tokenProofs: Array<SeenProof | undefined> = []
  const revocationProofs: Array<SeenProof | undefined> = []
  const apiAnswers: Array<() => Response> = []
  let tabs = 0

  function tab(start = `${APP}/`) {
    const id = ++tabs
    let location = new URL(start)
    const navigations: string[] = []
    const replaced: string[] = []
    const warnings: string[] = []
    const platform: Platform = {
      fetch,
      now: () => now,
      currentUrl: () => new URL(location.href),
      navigate: (url) => {
        navigations.push(url)
        lastNonce = authorizationParams(new URL(url)).get('nonce') ?? undefined
      },
      replaceUrl: (url) => {
        replaced.push(url)
        location = new URL(url)
      },
      storage,
      tabStorage: memoryStore(),
      flags,
      withLock: (name, task) => {
        const run = (lockQueues.get(name) ?? Promise.resolve()).then(task, task)
        lockQueues.set(
          name,
          run.catch(() => undefined),
        )
        return run
      },
      openChannel: (): TabChannel => {
        let mine: { tab: number; listener: (message: TabMessage) => void } | undefined
        return {
          post: (message) => {
            for (const entry of listeners)
              if (entry !== mine) queueMicrotask(() => entry.listener(message))
          },
          subscribe: (listener) => {
            mine = { tab: id, listener }
            listeners.add(mine)
          },
        }
      },
      setTimer: (callback, ms) => {
        const timer = { at: now + ms, callback }
        timers.add(timer)
        return () => timers.delete(timer)
      },
      isVisible: () => visible,
      onVisible: (callback) => {
        visibleCallbacks.add(callback)
        return () => visibleCallbacks.delete(callback)
      },
      onOnline: (callback) => {
        onlineCallbacks.add(callback)
      },
      warn: (message) => warnings.push(message),
    }
    return {
      platform,
      navigations,
      replaced,
      warnings,
      goTo(url: string) {
        location = new URL(url)
      },
      /** The callback the server would send for this tab's last authorization request. */
      callbackFor(extra: Record<string, string> = {}) {
        const request = new URL(navigations.at(-1) as string)
        const params = new URLSearchParams({
          code: 'the-code',
          state: authorizationParams(request).get('state') as string,
          ...(options.issParameter === false ? {} : { iss: ISSUER }),
          ...extra,
        })
        return `${APP}/callback?${params}`
      },
    }
  }

  return {
    /** The world's options; tests may change them as they go. */
    options,
    storage,
    /** localStorage: the signed-in marker. */
    flags,
    holds,
    /** Holds the next token response until the returned function is called. */
    hold(): () => void {
      let release: () => void = () => undefined
      holds.push(new Promise<void>((resolve) => (release = resolve)))
      return release
    },
    tokenRequests,
    tokenProofs,
    pushed,
    parAnswers,
    authorizationParams,
    revocationProofs,
    refreshRequests: () =>
      tokenRequests.filter((body) => body.get('grant_type') === 'refresh_token'),
    revoked,
    faults,
    api,
    apiAnswers,
    tab,
    now: () => now,
    /** Moves the clock on, firing due timers. */
    advance(ms: number) {
      now += ms
      for (const timer of [...timers]) {
        if (timer.at <= now) {
          timers.delete(timer)
          timer.callback()
        }
      }
    },
    pendingTimers: () => timers.size,
    setVisible(value: boolean) {
      visible = value
      if (value) for (const callback of visibleCallbacks) callback()
    },
    /** The browser reports the network is back (`online`), in every tab. */
    goOnline() {
      for (const callback of onlineCallbacks) callback()
    },
    revokeAll() {
      validRefreshTokens = new Set()
    },
  }
}

/** Resolves when `promise` rejects, with its reason; fails the test if it resolves. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<import('../first/errors.js').AuthError> {
  try {
    await promise
  } catch (error) {
    return error as import('../first/errors.js').AuthError
  }
  throw new Error('expected a rejection')
}

/** Lets queued microtasks and promise chains settle. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0))
