// One small interface over the three browser engines, so that e2e/engines.spec.ts is one spec for
// all of them: Chromium through Playwright; Firefox and WebKit through Playwright's own builds where
// they are installed (an ordinary laptop), otherwise Debian's: Firefox ESR over WebDriver BiDi
// (puppeteer-core), and WebKitGTK's MiniBrowser over WebDriver (the `webdriver` client) through
// WebKitWebDriver, under Xvfb when there is no display. What a journey needs is what all of them
// can do: open a URL, click for real (a trusted click, so a popup opens inside it), type, run a
// function in the page, and open a second window of the same profile.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { chromium, firefox, type Page, webkit } from '@playwright/test'
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core'
import {
  DEBIAN_FIREFOX,
  findChromium,
  findEngine,
  findMiniBrowser,
  WEBKIT_DRIVER,
  XVFB,
} from '../../scripts/browser.mjs'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

/** A window (tab) of the engine's browser. */
export interface Tab {
  goto(url: string): Promise<void>
  url(): Promise<string>
  /** A real click on the first element matching `selector`: a user gesture. */
  click(selector: string): Promise<void>
  /** Types `value` into the input matching `selector`, replacing what it holds. */
  fill(selector: string, value: string): Promise<void>
  /**
   * Runs `fn(arg)` in the page and returns its (awaited) result, as Playwright's evaluate does:
   * `fn` is sent as source, so it may use nothing from the test's scope. No user gesture.
   * WebDriver returns `undefined` (at any depth) as `null`.
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>
  reload(): Promise<void>
  close(): Promise<void>
}

/** One running browser, one profile: its tabs share storage, as a user's windows do. */
export interface Engine {
  readonly name: EngineName
  /** What runs, e.g. "Firefox 153.0 (Debian firefox-esr, WebDriver BiDi)". */
  readonly description: string
  newTab(): Promise<Tab>
  /** Waits for a tab other than those given to open (a popup) and returns it. */
  waitForNewTab(known: readonly Tab[], timeoutMs?: number): Promise<Tab>
  close(): Promise<void>
}

/** Polls `check` until it returns a value other than `undefined`/`false`; fails after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Starts `name`; fails, saying what is missing, when this machine cannot run it. */
export async function launchEngine(name: EngineName): Promise<Engine> {
  const found = findEngine(name)
  if (found.missing) {
    throw new Error(
      `no ${name} on this machine: ${found.missing.what} is missing (Debian package ${found.missing.debian}; \`node scripts/ensure-browser.mjs --engines\` installs it)`,
    )
  }
  const { playwright } = found
  // Playwright starts Chromium with --disable-popup-blocking and Firefox with its blocker off;
  // these journeys need the blocker on, as users have it.
  if (name === 'chromium') {
    const options = { ...findChromium(), headless: true }
    return playwrightEngine(
      'chromium',
      await chromium.launch({ ...options, ignoreDefaultArgs: ['--disable-popup-blocking'] }),
    )
  }
  if (name === 'firefox') {
    return playwright
      ? playwrightEngine(
          'firefox',
          await firefox.launch({
            headless: true,
            firefoxUserPrefs: { 'dom.disable_open_during_load': true },
          }),
        )
      : debianFirefox()
  }
  return playwright
    ? playwrightEngine('webkit', await webkit.launch({ headless: true }))
    : webkitGtk()
}

/** One Tab per page or window handle: the same object each time the engine meets it again. */
function tabsBy<K>(make: (key: K) => Tab): (key: K) => Tab {
  const tabs = new Map<K, Tab>()
  return (key) => {
    let tab = tabs.get(key)
    if (tab === undefined) {
      tab = make(key)
      tabs.set(key, tab)
    }
    return tab
  }
}

async function playwrightEngine(
  name: EngineName,
  browser: Awaited<ReturnType<typeof chromium.launch>>,
): Promise<Engine> {
  const context = await browser.newContext()
  const wrap = tabsBy(
    (page: Page): Tab => ({
      goto: async (url) => void (await page.goto(url)),
      url: async () => page.url(),
      click: (selector) => page.click(selector),
      fill: (selector, value) => page.fill(selector, value),
      evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg),
      reload: async () => void (await page.reload()),
      close: () => page.close(),
    }),
  )
  return {
    name,
    description: `${name} ${browser.version()} (Playwright)`,
    newTab: async () => wrap(await context.newPage()),
    waitForNewTab: async (known, timeoutMs = 15_000) =>
      waitUntil(
        'a new window',
        async () => {
          const page = context.pages().find((p) => !known.includes(wrap(p)))
          return page ? wrap(page) : undefined
        },
        timeoutMs,
      ),
    close: () => browser.close(),
  }
}

async function debianFirefox(): Promise<Engine> {
  const { default: puppeteer } = await import('puppeteer-core')
  const browser: PuppeteerBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: DEBIAN_FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    // Puppeteer turns Firefox's popup blocker off; a user's Firefox has it on.
    extraPrefsFirefox: { 'dom.disable_open_during_load': true },
  })
  const wrap = tabsBy(
    (page: PuppeteerPage): Tab => ({
      goto: async (url) => void (await page.goto(url)),
      url: async () => page.url(),
      click: (selector) => page.click(selector),
      fill: async (selector, value) => {
        await page.$eval(selector, (input) => {
          ;(input as HTMLInputElement).value = ''
        })
        await page.type(selector, value)
      },
      evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg),
      reload: async () => void (await page.reload()),
      close: () => page.close(),
    }),
  )
  return {
    name: 'firefox',
    description: `${await browser.version()} (Debian firefox-esr, WebDriver BiDi)`,
    newTab: async () => wrap(await browser.newPage()),
    waitForNewTab: async (known, timeoutMs = 15_000) =>
      waitUntil(
        'a new window',
        async () => {
          const page = (await browser.pages()).find(
            (p) => !known.includes(wrap(p)) && p.url() !== 'about:blank',
          )
          return page ? wrap(page) : undefined
        },
        timeoutMs,
      ),
    close: () => browser.close(),
  }
}

/** A port nothing listens on now (the e2e suite's own ports are taken by its servers). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

function stopProcess(child: ChildProcess | undefined): void {
  if (child && child.exitCode === null) child.kill('SIGTERM')
}

async function webkitGtk(): Promise<Engine> {
  // The webdriver client logs through @wdio/logger, which reads its level when first imported.
  process.env.WDIO_LOG_LEVEL ??= 'silent'
  const { default: WebDriver } = await import('webdriver')
  const children: ChildProcess[] = []
  const env = { ...process.env }
  if (!env.DISPLAY) {
    // MiniBrowser needs a display: a virtual one, on a display number Xvfb picks and reports.
    const xvfb = spawn(
      XVFB,
      ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
      {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      },
    )
    children.push(xvfb)
    const number = await new Promise<string>((resolve, reject) => {
      let out = ''
      xvfb.stdio[3]?.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.trim())
      })
      xvfb.once('exit', (code) =>
        reject(new Error(`Xvfb exited (${code}) before it had a display`)),
      )
    })
    env.DISPLAY = `:${number}`
  }
  const port = await freePort()
  const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    env,
    stdio: 'ignore',
  })
  children.push(driver)
  const stopAll = () => {
    for (const child of children.reverse()) stopProcess(child)
  }
  try {
    const binary = findMiniBrowser() as string
    const client = await waitUntil('WebKitWebDriver to start', async () =>
      WebDriver.newSession({
        hostname: '127.0.0.1',
        port,
        path: '/',
        logLevel: 'silent',
        connectionRetryCount: 0,
        capabilities: {
          'webkitgtk:browserOptions': { binary, args: ['--automation'] },
        } as WebdriverIO.Capabilities,
      }),
    )
    const version = (client.capabilities as { browserVersion?: string }).browserVersion
    const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf'
    // WebDriver talks to one window at a time: each tab switches to its own first.
    let current = await client.getWindowHandle()
    const wrap = tabsBy((handle: string): Tab => {
      const focus = async () => {
        if (current !== handle) {
          await client.switchToWindow(handle)
          current = handle
        }
      }
      const element = async (selector: string) => {
        await focus()
        const found = await waitUntil(`${selector} in the page`, async () => {
          const result = (await client.findElements('css selector', selector)) as Array<
            Record<string, string>
          >
          return result[0]
        })
        return found[ELEMENT] as string
      }
      const tab: Tab = {
        goto: async (url) => {
          await focus()
          await client.navigateTo(url)
        },
        url: async () => {
          await focus()
          return client.getUrl()
        },
        click: async (selector) => {
          await client.elementClick(await element(selector))
        },
        fill: async (selector, value) => {
          const id = await element(selector)
          await client.elementClear(id)
          await client.elementSendKeys(id, value)
        },
        evaluate: async (fn, arg) => {
          await focus()
          const outcome = (await client.executeAsyncScript(
            `const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => (${fn.toString()})(arguments[0]))
               .then((value) => done({ value: value === undefined ? null : value }),
                     (error) => done({ error: String(error && error.stack || error) }));`,
            [arg === undefined ? null : arg],
          )) as { value?: unknown; error?: string }
          if (outcome.error !== undefined) throw new Error(`in the page: ${outcome.error}`)
          return outcome.value as never
        },
        reload: async () => {
          await focus()
          await client.refresh()
        },
        close: async () => {
          await focus()
          await client.closeWindow()
          const left = await client.getWindowHandles()
          if (left[0]) {
            await client.switchToWindow(left[0])
            current = left[0]
          }
        },
      }
      return tab
    })
    let first = true
    return {
      name: 'webkit',
      description: `WebKitGTK ${version ?? ''} MiniBrowser (Debian webkit2gtk-driver, WebDriver)`,
      newTab: async () => {
        // The session starts with one window: the first tab is that one.
        if (first) {
          first = false
          return wrap(current)
        }
        const opened = (await client.createWindow('tab')) as { handle: string }
        return wrap(opened.handle)
      },
      waitForNewTab: async (known, timeoutMs = 15_000) =>
        waitUntil(
          'a new window',
          async () => {
            const handles = await client.getWindowHandles()
            const handle = handles.find((h) => !known.includes(wrap(h)))
            return handle ? wrap(handle) : undefined
          },
          timeoutMs,
        ),
      close: async () => {
        await client.deleteSession().catch(() => {})
        stopAll()
      },
    }
  } catch (error) {
    stopAll()
    throw error
  }
}
