// The callback finds its login transaction wherever login() stored it, and uses it once only.
import { describe, expect, it } from 'vitest'
import { createAuth } from '../first/createAuth.js'
import type { AuthError } from '../first/errors.js'
import { config, fakeWorld } from './fakeWorld.js'

describe('the login transaction', () => {
  it('is found on the callback page when IndexedDB failed for login() but works there', async () => {
    const world = fakeWorld()
    const loginPage = world.tab()
    loginPage.platform.storage = {
      ...world.storage,
      set: async () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
      },
    }
    await createAuth(config, loginPage.platform).login()
    expect(loginPage.warnings.join()).toContain('storage_unavailable')

    // The same tab after the redirect: a new page whose sessionStorage is the login page's.
    const callbackPage = world.tab()
    callbackPage.platform.tabStorage = loginPage.platform.tabStorage
    const auth = createAuth(config, callbackPage.platform)
    expect(await auth.handleRedirect(loginPage.callbackFor())).toEqual({ returnTo: '/' })
    expect(auth.getState()).toMatchObject({ status: 'authenticated', user: { sub: 'user-1' } })
    expect(world.tokenRequests).toHaveLength(1)
    expect(await callbackPage.platform.tabStorage.keys()).toEqual([])
  })

  it('exchanges the code once when two pages load the same callback at once', async () => {
    const world = fakeWorld()
    const loginPage = world.tab()
    await createAuth(config, loginPage.platform).login()
    const callback = loginPage.callbackFor()

    const pages = [world.tab(callback), world.tab(callback)].map((tab) =>
      createAuth(config, tab.platform),
    )
    const outcomes = await Promise.allSettled(pages.map((auth) => auth.handleRedirect(callback)))
    expect(world.tokenRequests).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toEqual([
      { status: 'fulfilled', value: { returnTo: '/' } },
    ])
    const refused = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [(outcome.reason as AuthError).code] : [],
    )
    expect(refused).toEqual(['transaction_missing'])
  })
})
