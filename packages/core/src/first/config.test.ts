import { describe, expect, it } from 'vitest'
import { type AuthConfig, resolveConfig } from './config.js'
import { AuthError } from './errors.js'

const valid: AuthConfig = {
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/callback',
}

function configError(config: unknown): AuthError {
  try {
    resolveConfig(config as AuthConfig)
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).code).toBe('config_invalid')
    return error as AuthError
  }
  throw new Error('expected resolveConfig to throw')
}

describe('resolveConfig', () => {
  it('applies documented defaults', () => {
    const cfg = resolveConfig(valid)
    expect(cfg.scope).toBe('openid profile offline_access')
    expect(cfg.apiOrigins).toEqual([])
    expect(cfg.postLogoutRedirectUri).toBe('https://app.example.com/')
    expect(cfg.storage).toBe('auto')
    expect(cfg.dpop).toBe('auto')
    expect(cfg.insecureLoopback).toBe(false)
    expect(cfg.redirectUri).toBe('https://app.example.com/callback')
    expect(cfg.restoreTimeoutMs).toBe(4000)
  })

  it('takes the provider options, which the code that uses them checks', () => {
    const options = {
      authorizationParams: { audience: 'https://api.example.com' },
      endSessionEndpoint: 'https://id.example.com/v2/logout',
      logoutReturnToParam: 'returnTo',
      logoutParams: { federated: '' },
      multiTenant: { tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'] },
      restoreTimeoutMs: 2500,
    }
    expect(resolveConfig({ ...valid, ...options })).toMatchObject(options)
  })

  it('keeps redirectUri exactly as written, because servers compare it byte for byte', () => {
    expect(resolveConfig({ ...valid, redirectUri: 'https://app.example.com' }).redirectUri).toBe(
      'https://app.example.com',
    )
  })

  it.each([
    [{ ...valid, issuer: undefined }, /`issuer` is required/],
    [{ ...valid, issuer: 'id.example.com' }, /`issuer` must be an absolute URL/],
    [{ ...valid, issuer: 'ftp://id.example.com' }, /`issuer` must be an https:\/\/ URL/],
    [{ ...valid, issuer: 'http://id.example.com' }, /http:\/\/ is allowed only for localhost/],
    [{ ...valid, issuer: 'https://id.example.com/#x' }, /fragment/],
    [{ ...valid, issuer: 'https://id.example.com/?tenant=1' }, /query/],
    [{ ...valid, clientId: '' }, /`clientId` is required/],
    [{ ...valid, clientId: 42 }, /`clientId` is required/],
    [{ ...valid, redirectUri: undefined }, /`redirectUri` is required/],
    [{ ...valid, redirectUri: '/callback' }, /`redirectUri` must be an absolute URL/],
    [{ ...valid, apiOrigins: 'https://api.example.com' }, /array/],
    [
      { ...valid, apiOrigins: ['https://api.example.com/v1'] },
      /apiOrigins\[0\]` must be an origin/,
    ],
    [{ ...valid, apiOrigins: ['https://api.example.com/'] }, /without path/],
    [{ ...valid, storage: 'localStorage' }, /`storage`/],
    [{ ...valid, dpop: 'yes' }, /`dpop`/],
    [{ ...valid, scope: ' ' }, /`scope`/],
    [{ ...valid, timeoutMs: 0 }, /`timeoutMs`/],
    [{ ...valid, restoreTimeoutMs: -1 }, /`restoreTimeoutMs` must be a positive number/],
    [{ ...valid, restoreTimeoutMs: '4s' }, /`restoreTimeoutMs`/],
    [{ ...valid, redirectUrl: 'https://app.example.com/cb' }, /unknown option `redirectUrl`/],
    [null, /takes an object/],
  ])('refuses %j with a message saying what to fix', (config, message) => {
    expect(configError(config).message).toMatch(message)
  })

  it.each(['clientSecret', 'client_secret', 'privateKey'])(
    'refuses a %s in the browser',
    (name) => {
      const error = configError({ ...valid, [name]: 's3cr3t-value' })
      expect(error.message).toMatch(/never be given to a browser app/)
      expect(error.message).not.toContain('s3cr3t-value')
      expect(JSON.stringify(error)).not.toContain('s3cr3t-value')
    },
  )

  it.each([
    'http://localhost:4000',
    'http://127.0.0.1:8080',
    'http://[::1]:4000',
    'http://auth.localhost',
  ])('accepts the loopback http issuer %s and marks it for oauth4webapi', (issuer) => {
    expect(resolveConfig({ ...valid, issuer }).insecureLoopback).toBe(true)
  })

  it('normalises apiOrigins to origins', () => {
    expect(
      resolveConfig({ ...valid, apiOrigins: ['https://API.example.com:443'] }).apiOrigins,
    ).toEqual(['https://api.example.com'])
  })
})
