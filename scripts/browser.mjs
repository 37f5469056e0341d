// Finds the Chromium that the browser tests drive: Playwright's own download when one is installed
// (an ordinary laptop), otherwise the system's Chromium (Debian's /usr/bin/chromium on CI).
import { existsSync } from 'node:fs'
import { chromium } from '@playwright/test'

const SYSTEM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
]

/** @returns {{ executablePath?: string, args: string[] } | undefined} launch options, or undefined when none is found */
export function findChromium() {
  let bundled
  try {
    bundled = chromium.executablePath()
  } catch {
    bundled = undefined
  }
  if (bundled && existsSync(bundled)) return { args: [] }
  const system = process.env.CHROMIUM_PATH ?? SYSTEM_CANDIDATES.find((path) => existsSync(path))
  if (system === undefined || !existsSync(system)) return undefined
  return {
    executablePath: system,
    // Running as root in a container needs --no-sandbox; the rest keep Chromium off the network
    // that such machines do not have, so it does not stall on background connections.
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  }
}
