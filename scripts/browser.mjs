// Finds the browsers the browser tests drive. Chromium: Playwright's own download when one is
// installed (an ordinary laptop), otherwise the system's (Debian's /usr/bin/chromium on CI).
// Firefox and WebKit, for the engine journeys (e2e/engines.spec.ts): Playwright's own builds where
// installed, otherwise Debian's firefox-esr (over WebDriver BiDi) and WebKitGTK's MiniBrowser with
// WebKitWebDriver (package webkit2gtk-driver) and, without a display, Xvfb (package xvfb).
import { existsSync } from 'node:fs'
import { chromium, firefox, webkit } from '@playwright/test'

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

export const DEBIAN_FIREFOX = '/usr/bin/firefox-esr'
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver'
export const XVFB = '/usr/bin/Xvfb'
const MINIBROWSERS = ['x86_64', 'aarch64'].flatMap((arch) =>
  ['4.1', '4.0'].map((api) => `/usr/lib/${arch}-linux-gnu/webkit2gtk-${api}/MiniBrowser`),
)

/** @param {() => string} executablePath a Playwright engine's path, which throws when unknown */
function playwrightHas(executablePath) {
  try {
    return existsSync(executablePath())
  } catch {
    return false
  }
}

/** WebKitGTK's MiniBrowser on this machine, or undefined. */
export function findMiniBrowser() {
  return MINIBROWSERS.find((path) => existsSync(path))
}

/**
 * How an engine runs on this machine (`playwright`: through Playwright; `via`: what runs), or what
 * it lacks, with the Debian package that brings it.
 * @param {'chromium' | 'firefox' | 'webkit'} name
 * @returns {{ playwright: boolean, via: string, missing?: undefined } | { missing: { what: string, debian: string }, playwright?: undefined, via?: undefined }}
 */
export function findEngine(name) {
  if (name === 'chromium') {
    const found = findChromium()
    if (!found) return { missing: { what: 'Chromium', debian: 'chromium' } }
    return { playwright: true, via: `Playwright, ${found.executablePath ?? 'its own Chromium'}` }
  }
  if (name === 'firefox') {
    if (playwrightHas(() => firefox.executablePath())) {
      return { playwright: true, via: "Playwright's Firefox" }
    }
    return existsSync(DEBIAN_FIREFOX)
      ? { playwright: false, via: `${DEBIAN_FIREFOX} over WebDriver BiDi (puppeteer-core)` }
      : { missing: { what: DEBIAN_FIREFOX, debian: 'firefox-esr' } }
  }
  if (playwrightHas(() => webkit.executablePath())) {
    return { playwright: true, via: "Playwright's WebKit" }
  }
  if (!existsSync(WEBKIT_DRIVER)) {
    return { missing: { what: WEBKIT_DRIVER, debian: 'webkit2gtk-driver' } }
  }
  const miniBrowser = findMiniBrowser()
  if (!miniBrowser) return { missing: { what: 'MiniBrowser', debian: 'webkit2gtk-driver' } }
  if (!process.env.DISPLAY && !existsSync(XVFB)) {
    return { missing: { what: `a display or ${XVFB}`, debian: 'xvfb' } }
  }
  return {
    playwright: false,
    via: `${miniBrowser} over WebDriver (${WEBKIT_DRIVER})${process.env.DISPLAY ? '' : ' under Xvfb'}`,
  }
}
