import { describe, expect, it } from 'vitest'
import { isCallbackUrl } from '../first/callbackUrl.js'
import { relayedUrl } from './relayReceiver.js'

const APP = 'https://app.example.com'
const redirectUrl = new URL(`${APP}/callback`)
const popup = { name: 'the popup' }
const callback = (state: string, base = `${APP}/callback`) => `${base}?code=c&state=${state}`
const message = (url: string) => ({ type: 'latchkey:callback', url })

describe('relayedUrl', () => {
  const expected = {
    origin: APP,
    source: popup,
    state: 's1',
    isCallback: (url: URL) => isCallbackUrl(url, redirectUrl),
  }

  it('accepts the response to the pending sign-in from its own window at the app origin', () => {
    const url = relayedUrl({ data: message(callback('s1')), origin: APP, source: popup }, expected)
    expect(url?.href).toBe(callback('s1'))
  })

  it.each([
    [
      'another origin',
      { data: message(callback('s1')), origin: 'https://evil.example', source: popup },
    ],
    ['another window of the app', { data: message(callback('s1')), origin: APP, source: {} }],
    ['another sign-in (state)', { data: message(callback('s2')), origin: APP, source: popup }],
    [
      'a URL that is not the redirect URI',
      { data: message(callback('s1', `${APP}/elsewhere`)), origin: APP, source: popup },
    ],
    [
      'a URL on another origin',
      {
        data: message(callback('s1', 'https://evil.example/callback')),
        origin: APP,
        source: popup,
      },
    ],
    [
      'another message type',
      { data: { type: 'x', url: callback('s1') }, origin: APP, source: popup },
    ],
    ['a URL that does not parse', { data: message('::'), origin: APP, source: popup }],
    ['no data', { data: null, origin: APP, source: popup }],
  ])('ignores a message from %s', (_, event) => {
    expect(relayedUrl(event, expected)).toBeUndefined()
  })

  it('on the channel (same origin only), checks origin and state but no window', () => {
    const channel = { ...expected, source: undefined }
    expect(relayedUrl({ data: message(callback('s1')), origin: APP }, channel)).toBeDefined()
    expect(relayedUrl({ data: message(callback('s2')), origin: APP }, channel)).toBeUndefined()
  })
})
