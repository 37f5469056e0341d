// What the hostile authorization server can be told to do, and what it records: shared by the
// fixture (server.ts) and the specs that drive it.

export const HOSTILE = 'http://localhost:4100'
export const AS1 = `${HOSTILE}/as1`
export const AS2 = `${HOSTILE}/as2`
export const APP = `${HOSTILE}/app/`
export const CALLBACK = `${HOSTILE}/app/callback`
export const HOSTILE_CLIENT_ID = 'hostile-client'

/** How the ID token of a token response is forged. Every field left out is well-behaved. */
export interface IdTokenTamper {
  nonce?: string
  /** Replaces `aud` (a string or an array). */
  aud?: string | string[]
  /** Replaces `azp`; `null` leaves it out. */
  azp?: string | null
  iss?: string
  sub?: string
  /** Seconds from now; negative means already expired. */
  expIn?: number
  /** Seconds from now for `iat`; positive means issued in the future. */
  iatIn?: number
  /** `none`: unsigned; `HS256`: signed with a shared secret instead of the published RSA key. */
  alg?: 'none' | 'HS256'
  /** Valid claims, RS256, but the signature bytes are altered. */
  badSignature?: boolean
}

/** A per-test misbehaviour. `{}` is a well-behaved server. */
export interface Scenario {
  /** Advertise `dpop_signing_alg_values_supported: ['ES256']` in the metadata. */
  dpop?: boolean
  /** The `issuer` the metadata claims (instead of its own URL). */
  metadataIssuer?: string
  /** How `/authorize` builds the callback. */
  callback?: {
    /** The `iss` sent back; `null` leaves it out. Default: the issuer that got the request. */
    iss?: string | null
    /** Which response parameter appears twice (with a second, different value). */
    duplicate?: 'code' | 'state' | 'iss'
    /** Answer with `error` (and `error_description`) instead of a code. */
    error?: string
    errorDescription?: string
    /** Send a `code` together with the `error`. */
    codeWithError?: boolean
    /**
     * Mix-up: instead of answering, forward the browser (same query) to the other issuer's
     * `/authorize`, which then answers as itself.
     */
    forwardTo?: 'as1' | 'as2'
  }
  /** The ID token of the authorization-code grant's response. */
  idToken?: IdTokenTamper
  /** The ID token of refresh-token grant responses. */
  refreshIdToken?: IdTokenTamper
  /** How `/token` answers. */
  token?: {
    omitAccessToken?: boolean
    /** Replaces `token_type` (default: `DPoP` when a proof was sent, else `Bearer`). */
    tokenType?: string
    /** An OAuth error response instead of tokens. */
    error?: { status: number; error: string; errorDescription?: string }
    /** Wait this long before answering. */
    delayMs?: number
    /** Destroy the socket instead of answering. */
    drop?: boolean
  }
}

/** One request to an `/authorize` endpoint. */
interface AuthorizeRecord {
  issuer: string
  params: Record<string, string>
}

/** One request to a `/token` endpoint. */
export interface TokenRecord {
  issuer: string
  /** The form body, e.g. `grant_type`, `code`, `code_verifier`, `redirect_uri`. */
  form: Record<string, string>
  dpop: boolean
  /** What was sent back: the status and, for 200s, the tokens (null when dropped). */
  status: number | null
  tokens?: { access_token?: string; refresh_token?: string; id_token?: string }
}

/** What `GET /__hostile/log` returns: everything since the last scenario was set. */
/** A request that reached `/__hostile/echo`, e.g. at the end of a redirect. */
interface EchoRecord {
  method: string
  host: string
  authorization: boolean
  dpop: boolean
}

export interface HostileLog {
  authorize: AuthorizeRecord[]
  token: TokenRecord[]
  echo: EchoRecord[]
}
