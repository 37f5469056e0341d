import { describe, expect, it } from 'vitest'
import { type ClientCredentialsConfig, resolveConfig } from './config.js'

const keyless = { issuer: 'https://id.example.com', clientId: 'worker' }
const base = { ...keyless, clientSecret: 's3cr3t-value' }

async function signingKey(): Promise<CryptoKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  return pair.privateKey
}

function problem(config: unknown): string {
  try {
    resolveConfig(config as ClientCredentialsConfig)
  } catch (error) {
    expect(error).toMatchObject({ name: 'AuthError', code: 'config_invalid' })
    const { message } = error as Error
    expect(message).not.toContain('s3cr3t-value')
    return message
  }
  throw new Error('expected config_invalid')
}

describe('resolveConfig', () => {
  it('applies defaults: client_secret_basic with a secret, 30 s leeway, 3 retries', () => {
    const resolved = resolveConfig(base)
    expect(resolved.credential).toEqual({ method: 'client_secret_basic', secret: 's3cr3t-value' })
    expect(resolved).toMatchObject({
      scope: undefined,
      resource: undefined,
      apiOrigins: [],
      refreshLeeway: 30,
      retries: 3,
      timeoutMs: 15_000,
      insecureLoopback: false,
    })
  })

  it('defaults to private_key_jwt with a key, with or without kid', async () => {
    const key = await signingKey()
    expect(resolveConfig({ ...keyless, privateKey: key }).credential).toEqual({
      method: 'private_key_jwt',
      key: { key },
    })
    expect(resolveConfig({ ...keyless, privateKey: { key, kid: 'k1' } }).credential).toEqual({
      method: 'private_key_jwt',
      key: { key, kid: 'k1' },
    })
  })

  it('normalises scope and apiOrigins and accepts http on loopback only', () => {
    const resolved = resolveConfig({
      ...base,
      issuer: 'http://localhost:4000',
      scope: '  api:read   api:write ',
      apiOrigins: ['http://127.0.0.1:4001', 'https://API.example.com'],
    })
    expect(resolved.scope).toBe('api:read api:write')
    expect(resolved.apiOrigins).toEqual(['http://127.0.0.1:4001', 'https://api.example.com'])
    expect(resolved.insecureLoopback).toBe(true)
  })

  it.each([
    [{ ...base, issuer: 'http://id.example.com' }, /`issuer` must use https:\/\/.*localhost/],
    [{ ...base, issuer: 'id.example.com' }, /`issuer` must be an absolute URL/],
    [{ ...base, issuer: 'https://id.example.com/?tenant=1' }, /`issuer` must not contain a query/],
    [{ ...base, clientId: ' ' }, /`clientId` is required/],
    [{ ...base, clientSecret: undefined }, /needs a credential: give `clientSecret`.*`privateKey`/],
    [{ ...base, clientSecret: '' }, /`clientSecret` must be a non-empty string/],
    [{ ...base, authMethod: 'private_key_jwt' }, /'private_key_jwt'` needs a `privateKey`/],
    [{ ...base, authMethod: 'client_secret_jwt' }, /`authMethod` must be/],
    [{ ...base, client_secret: 'x' }, /unknown option `client_secret`/],
    [{ ...base, scope: '' }, /`scope` must be a non-empty/],
    [{ ...base, resource: 'https://api.example.com/#x' }, /`resource` must not contain a fragment/],
    [{ ...base, apiOrigins: 'https://api.example.com' }, /`apiOrigins` must be an array/],
    [
      { ...base, apiOrigins: ['https://api.example.com/v1'] },
      /`apiOrigins\[0\]` must be an origin/,
    ],
    [{ ...base, apiOrigins: ['http://api.example.com'] }, /`apiOrigins\[0\]` must use https/],
    [{ ...base, refreshLeeway: -1 }, /`refreshLeeway` must be a number of seconds/],
    [{ ...base, retries: 1.5 }, /`retries` must be a whole number from 0 to 10/],
    [{ ...base, retries: 100 }, /`retries` must be a whole number from 0 to 10/],
    [{ ...base, timeoutMs: 0 }, /`timeoutMs` must be a positive number/],
    [{ ...base, fetch: 'fetch' }, /`fetch` must be a function/],
    [{ ...base, onEvent: 'console.log' }, /`onEvent` must be a function/],
    [null, /takes an object/],
  ])('refuses %j', (config, message) => {
    expect(problem(config)).toMatch(message)
  })

  it('refuses both a secret and a key, and a key with a secret method', async () => {
    const key = await signingKey()
    expect(problem({ ...base, privateKey: key })).toMatch(/either `clientSecret` or `privateKey`/)
    expect(problem({ ...keyless, privateKey: key, authMethod: 'client_secret_post' })).toMatch(
      /'client_secret_post'` needs a `clientSecret`/,
    )
  })

  it('refuses a key that is not a private signing key', async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])
    const noSecret = keyless
    expect(problem({ ...noSecret, privateKey: pair.publicKey })).toMatch(
      /private key with the "sign"/,
    )
    expect(problem({ ...noSecret, privateKey: { kid: 'x' } })).toMatch(/must be a CryptoKey/)
    expect(problem({ ...noSecret, privateKey: { key: pair.privateKey, kid: '' } })).toMatch(
      /`privateKey.kid`/,
    )
  })
})
