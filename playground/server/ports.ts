// The playground's ports, for `npm run dev` (playground/dev.ts) and `npm run m2m` (playground/m2m.ts),
// which must agree. No oidc-provider import, so scripts can load it.
//
//   LATCHKEY_PORT_BASE   moves them all: the authorization server on the base, the demo API on
//                        base+1, the SPA, React and Vue demos on base+2, +3 and +4, the reports
//                        API (the second API, its own audience) on base+5
//   LATCHKEY_AUTH_PORT, LATCHKEY_API_PORT, LATCHKEY_SPA_PORT, LATCHKEY_REACT_PORT,
//   LATCHKEY_VUE_PORT, LATCHKEY_REPORTS_PORT    one port each, over the base
// With neither: 4000, 4001, 5173, 5174, 5175, 4002.

export interface PlaygroundPorts {
  auth: number
  api: number
  spa: number
  react: number
  vue: number
  reports: number
}

const DEFAULT_PORTS: PlaygroundPorts = {
  auth: 4000,
  api: 4001,
  spa: 5173,
  react: 5174,
  vue: 5175,
  reports: 4002,
}

/** Each port's variable, and its offset from LATCHKEY_PORT_BASE. */
export const PORT_SETTINGS: Record<keyof PlaygroundPorts, { variable: string; offset: number }> = {
  auth: { variable: 'LATCHKEY_AUTH_PORT', offset: 0 },
  api: { variable: 'LATCHKEY_API_PORT', offset: 1 },
  spa: { variable: 'LATCHKEY_SPA_PORT', offset: 2 },
  react: { variable: 'LATCHKEY_REACT_PORT', offset: 3 },
  vue: { variable: 'LATCHKEY_VUE_PORT', offset: 4 },
  reports: { variable: 'LATCHKEY_REPORTS_PORT', offset: 5 },
}

export const PORT_BASE_VARIABLE = 'LATCHKEY_PORT_BASE'

/** The ports `env` asks for; throws an Error in plain words on a value that is not a port. */
export function playgroundPorts(env: NodeJS.ProcessEnv = process.env): PlaygroundPorts {
  const baseText = env[PORT_BASE_VARIABLE]
  const base = baseText ? portNumber(PORT_BASE_VARIABLE, baseText, 5) : undefined
  const ports = { ...DEFAULT_PORTS }
  for (const name of Object.keys(PORT_SETTINGS) as Array<keyof PlaygroundPorts>) {
    const { variable, offset } = PORT_SETTINGS[name]
    const own = env[variable]
    if (own) ports[name] = portNumber(variable, own)
    else if (base !== undefined) ports[name] = base + offset
    if (BLOCKED_PORTS.has(ports[name])) {
      throw new Error(
        `${own ? variable : PORT_BASE_VARIABLE} puts the playground's ${name} on port ${ports[name]}, ` +
          'which browsers and fetch() refuse to connect to (the Fetch standard\'s "bad ports"); choose another.',
      )
    }
  }
  return ports
}

/** The Fetch standard's "bad ports" (https://fetch.spec.whatwg.org/#port-blocking) above 1023. */
const BLOCKED_PORTS = new Set([
  1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669,
  6679, 6697, 10080,
])

/**
 * The environment that gives another process (such as `npm run m2m`) the same authorization
 * server and API ports as `ports`, as `NAME=value` words: none on the default ports.
 */
export function portSettingsFor(
  ports: Pick<PlaygroundPorts, 'auth' | 'api'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const settings: Record<string, string> = {}
  if (env[PORT_BASE_VARIABLE]) settings[PORT_BASE_VARIABLE] = env[PORT_BASE_VARIABLE]
  const derived = playgroundPorts(settings)
  for (const name of ['auth', 'api'] as const) {
    if (derived[name] !== ports[name]) settings[PORT_SETTINGS[name].variable] = String(ports[name])
  }
  return Object.entries(settings).map(([name, value]) => `${name}=${value}`)
}

function portNumber(name: string, text: string, room = 0): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value <= 0 || value + room > 65535) {
    throw new Error(
      room > 0
        ? `${name} must be a port number (the first of ${room + 1}), got "${text}"`
        : `${name} must be a port number, got "${text}"`,
    )
  }
  return value
}
