// Tabs of the fake world signed in with a persisted session: what most session tests start from.
import type { AuthConfig } from '../first/config.js'
import { createAuth } from '../first/createAuth.js'
import type { KeyValueStore } from '../first/kv.js'
import { API, config, type fakeWorld } from './fakeWorld.js'

export type World = ReturnType<typeof fakeWorld>

/** Sessions in IndexedDB, the fake API allowed, no proactive timer (tests move the clock). */
export const persisted: Partial<AuthConfig> = {
  storage: 'indexeddb',
  apiOrigins: [API],
  autoRefresh: false,
}

/** Signs in on a new tab of `world` and returns its Auth. */
export async function signIn(world: World, extra: Partial<AuthConfig> = {}) {
  const tab = world.tab()
  const auth = createAuth({ ...config, ...persisted, ...extra }, tab.platform)
  await auth.login()
  await auth.handleRedirect(tab.callbackFor())
  return { tab, auth }
}

/** Opens another tab of the app, which restores the persisted session, optionally over `storage`. */
export async function openTab(
  world: World,
  extra: Partial<AuthConfig> = {},
  storage?: KeyValueStore,
) {
  const tab = world.tab()
  if (storage !== undefined) tab.platform.storage = storage
  const auth = createAuth({ ...config, ...persisted, ...extra }, tab.platform)
  await auth.getAccessToken().catch(() => undefined) // waits for the restore
  return { tab, auth }
}
