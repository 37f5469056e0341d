import { describe, expect, it } from 'vitest'
import { AuthError } from '../first/errors.js'
import { safeReturnTo, sanitizeReturnTo } from './returnTo.js'

const origin = 'https://app.example.com'

describe('sanitizeReturnTo', () => {
  it.each([
    ['/', '/'],
    ['/account?tab=2#billing', '/account?tab=2#billing'],
    ['/a/../b', '/b'],
    // Deep links whose query or fragment holds backslashes, newlines or tabs, percent-encoded.
    ['/files?dir=C%3A%5Creports', '/files?dir=C%3A%5Creports'],
    ['/notes?text=line%0Aline', '/notes?text=line%0Aline'],
    ['/table?sep=%09#col%5C2', '/table?sep=%09#col%5C2'],
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
    // Paths that normalise to "//host", another origin once the browser reads them.
    '/..//evil.example',
    '/a/../..//evil.example',
    '/.%2e//evil.example',
    '/%5c?x=1',
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
    expect(safeReturnTo('/..//evil.example', origin)).toBe('/')
    expect(safeReturnTo('/ok', origin)).toBe('/ok')
  })
})
