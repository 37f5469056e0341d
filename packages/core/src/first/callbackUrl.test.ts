import { describe, expect, it } from 'vitest'
import { callbackDefect } from '../flows/callback.js'
import { isCallbackUrl, RESPONSE_PARAMS, stripCallbackParams } from './callbackUrl.js'

const redirect = new URL('https://app.example.com/callback')

describe('isCallbackUrl', () => {
  it.each([
    ['https://app.example.com/callback?code=c&state=s', true],
    ['https://app.example.com/callback?error=access_denied&state=s', true],
    ['https://app.example.com/callback?state=s', true],
    ['https://app.example.com/callback', false],
    ['https://app.example.com/callback?page=2', false],
    ['https://app.example.com/other?code=c&state=s', false],
    ['https://evil.example/callback?code=c&state=s', false],
    ['http://app.example.com/callback?code=c&state=s', false],
  ])('%s → %s', (url, expected) => {
    expect(isCallbackUrl(new URL(url), redirect)).toBe(expected)
  })
})

describe('stripCallbackParams', () => {
  it('removes every authorization response parameter and keeps the rest', () => {
    const url = new URL(
      'https://app.example.com/callback?code=c&state=s&iss=https%3A%2F%2Fid&session_state=x&lang=fr#top',
    )
    expect(stripCallbackParams(url)).toBe('https://app.example.com/callback?lang=fr#top')
  })

  it('removes error parameters and leaves no bare question mark', () => {
    const url = new URL(
      'https://app.example.com/callback?error=access_denied&error_description=no&error_uri=x&state=s',
    )
    expect(stripCallbackParams(url)).toBe('https://app.example.com/callback')
  })
})

describe('callbackDefect', () => {
  it.each([
    ['code=a&code=b&state=s', /`code` parameter appears more than once/],
    ['code=a&state=s&state=t', /`state`/],
    ['code=a&state=s&iss=x&iss=y', /`iss`/],
    ['code=a&error=access_denied&state=s', /both a `code` and an `error`/],
  ])('finds the defect in %s', (query, message) => {
    expect(callbackDefect(new URLSearchParams(query), RESPONSE_PARAMS)).toMatch(message)
  })

  it('finds none in a well-formed response', () => {
    expect(
      callbackDefect(new URLSearchParams('code=a&state=s&iss=x'), RESPONSE_PARAMS),
    ).toBeUndefined()
    expect(
      callbackDefect(new URLSearchParams('error=access_denied&state=s'), RESPONSE_PARAMS),
    ).toBeUndefined()
  })
})
