// Where the provider lab listens: shared by its server and its specs, so both agree on the ports.

/**
 * The lab's port base: the app harness listens on it, emulated providers on the ports above it
 * and the API emulator on the last two (base + 18 and base + 19). `LATCHKEY_PROVIDERS_PORT`
 * moves the whole block, so several people can each run their own lab next to the e2e suite's
 * ports.
 */
export const PORT_BASE = Number(process.env.LATCHKEY_PROVIDERS_PORT ?? 4200)

/**
 * The app under test. `localhost` while every provider is on `127.0.0.1`: two different sites,
 * as an app and its provider are in production, so the silent sign-in iframe is a third-party
 * context whose cookies the browser may block.
 */
export const APP = `http://localhost:${PORT_BASE}`

/** The API emulator: one origin for every provider's API (`/<provider>/me`). */
export const API = `http://127.0.0.1:${PORT_BASE + 19}`

/**
 * The API emulator's second API (`/<provider>/me`), an origin of its own, as an app's second API
 * is: for `apis` entries, with the audience of the provider's `reportsApi`.
 */
export const REPORTS_API = `http://127.0.0.1:${PORT_BASE + 18}`

/** Origin of the provider that owns port `base + offset` (1 to 17). */
export function providerOrigin(offset: number): string {
  if (!Number.isInteger(offset) || offset < 1 || offset > 17) {
    throw new Error(`provider port offset ${offset} is outside 1..17`)
  }
  return `http://127.0.0.1:${PORT_BASE + offset}`
}
