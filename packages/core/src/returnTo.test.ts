import { describe, expect, it } from 'vitest'
import { AuthError } from './errors.js'
import { safeReturnTo, sanitizeReturnTo } from './returnTo.js'

const origin = 'https://app.example.com'

describe('sanitizeReturnTo', () => {
  it.each([
    ['/', '/'],
    ['/account?tab=2#billing', '/account?tab=2#billing'],
    ['/a/../b', '/b'],
  ])('accepts the same-origin path %s', (value, expected) => {
    expect(sanitizeReturnTo(value, origin, AuthError)).toBe(expected)
  })

  it.each([
    'https://evil.example',
    'https://app.example.com/account',
    '//evil.example',
    '/\\evil.example',
    '/%09/evil.example',
    '/%5cevil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'account',
    '',
    undefined,
    42,
  ])('refuses %j', (value) => {
    expect(() => sanitizeReturnTo(value, origin, AuthError)).toThrow(AuthError)
    try {
      sanitizeReturnTo(value, origin, AuthError)
    } catch (error) {
      expect((error as AuthError).code).toBe('invalid_argument')
    }
  })

  it('falls back to / for a stored value that is no longer acceptable', () => {
    expect(safeReturnTo('//evil.example', origin)).toBe('/')
    expect(safeReturnTo('/ok', origin)).toBe('/ok')
  })
})
