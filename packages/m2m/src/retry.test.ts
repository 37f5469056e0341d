import { AuthError } from '@latchkey/core/internal'
import { describe, expect, it } from 'vitest'
import { isTransient, type RetryPolicy, withRetry } from './retry.js'

function fakePolicy(retries: number): RetryPolicy & { waits: number[] } {
  const waits: number[] = []
  return {
    retries,
    delayMs: 100,
    maxDelayMs: 300,
    waits,
    sleep: async (ms) => {
      waits.push(ms)
    },
  }
}

/** A task that fails with `errors` in turn, then resolves with 'token'. */
function failing(...errors: AuthError[]) {
  const task = async () => {
    task.calls++
    const error = errors.shift()
    if (error) throw error
    return 'token'
  }
  task.calls = 0
  return task
}

const unavailable = () => new AuthError('token_request_failed', '503', { status: 503 })
const network = () => new AuthError('network_error', 'offline')

describe('withRetry', () => {
  it('retries transient failures with doubling waits, capped', async () => {
    const policy = fakePolicy(4)
    const task = failing(network(), unavailable(), network(), unavailable())
    await expect(withRetry(task, policy)).resolves.toBe('token')
    expect(task.calls).toBe(5)
    expect(policy.waits).toEqual([100, 200, 300, 300])
  })

  it('gives up after `retries` retries with the last error', async () => {
    const policy = fakePolicy(2)
    const last = unavailable()
    const task = failing(network(), network(), last, network())
    await expect(withRetry(task, policy)).rejects.toBe(last)
    expect(task.calls).toBe(3)
    expect(policy.waits).toEqual([100, 200])
  })

  it('never retries an OAuth error such as invalid_client', async () => {
    const policy = fakePolicy(3)
    const refused = new AuthError('token_request_failed', 'nope', {
      error: 'invalid_client',
      status: 401,
    })
    const task = failing(refused)
    await expect(withRetry(task, policy)).rejects.toBe(refused)
    expect(task.calls).toBe(1)
    expect(policy.waits).toEqual([])
  })

  it('with retries: 0 tries once', async () => {
    const task = failing(network())
    await expect(withRetry(task, fakePolicy(0))).rejects.toMatchObject({ code: 'network_error' })
    expect(task.calls).toBe(1)
  })

  it('does not retry errors that are not AuthErrors', async () => {
    let calls = 0
    const task = async () => {
      calls++
      throw new TypeError('bug')
    }
    await expect(withRetry(task, fakePolicy(3))).rejects.toThrow('bug')
    expect(calls).toBe(1)
  })
})

describe('isTransient', () => {
  it.each([
    [new AuthError('network_error', ''), true],
    [new AuthError('timeout', ''), true],
    [new AuthError('token_request_failed', '', { status: 500 }), true],
    [new AuthError('token_request_failed', '', { status: 429 }), true],
    [new AuthError('token_request_failed', '', { status: 408 }), true],
    [new AuthError('discovery_failed', '', { status: 502 }), true],
    [new AuthError('discovery_failed', '', { cause: new AuthError('timeout', '') }), true],
    [new AuthError('token_request_failed', '', { status: 400, error: 'invalid_scope' }), false],
    [new AuthError('token_request_failed', '', { status: 401, error: 'invalid_client' }), false],
    [new AuthError('discovery_failed', '', { status: 404 }), false],
    [new AuthError('issuer_mismatch', ''), false],
  ])('%s → %s', (error, expected) => {
    expect(isTransient(error)).toBe(expected)
  })
})
