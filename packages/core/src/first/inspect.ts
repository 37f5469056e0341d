// The platform a client uses: the given one, delegated to, and with `onEvent` the flow inspector's
// fetch in front of it (protocol/events.ts, loaded on demand and only when asked for).
import type { Inspector } from '../protocol/events.js'
import type { ResolvedConfig } from './config.js'
import type { AuthContext } from './context.js'
import type { Platform } from './platform.js'

/**
 * Returns the platform the client uses, and the `emit` the flows report their steps through
 * (`undefined` without `onEvent`). Every request goes through the inspector's fetch; without its
 * module (a failed load) the SDK works on, silently.
 */
export function inspectedPlatform(
  given: Platform,
  onEvent: ResolvedConfig['onEvent'],
): { platform: Platform; emit: AuthContext['emit'] } {
  // Delegated, never copied: a class-based Platform keeps its prototype's methods, and they run on
  // the object itself (private fields included) also when the SDK passes one on alone.
  const delegate = (fetch?: Platform['fetch']): Platform =>
    new Proxy(given, {
      get(target, key: keyof Platform) {
        const value = (key === 'fetch' && fetch) || target[key]
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
  const platform = delegate()
  if (!onEvent) return { platform, emit: undefined }
  const inspector: Promise<Partial<Inspector> & Pick<Inspector, 'fetch'>> = import(
    '../protocol/events.js'
  ).then(
    (module) => module.inspector(onEvent, platform),
    () => platform,
  )
  return {
    platform: delegate(async (input, init) => (await inspector).fetch(input, init)),
    emit: (event) => void inspector.then((inspector) => inspector.emit?.(event)),
  }
}
