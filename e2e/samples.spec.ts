// The getting-started samples run as written: each is built as an app of its own (esbuild, the
// packages from their TypeScript source) and served on an origin of its own, which the playground
// accepts (LATCHKEY_EXTRA_ORIGINS in playwright.config.ts); then a user's journey runs in Chromium
// against the playground: sign in, call the API, sign out, and cancel at the server.
import { createServer, type Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import { expect, test } from '@playwright/test'
import { build } from 'esbuild'
import { consentAt, ISSUER } from './playground.js'

/** The samples' origins; playwright.config.ts lets the playground accept them. */
const SAMPLE_ORIGINS = { react: 'http://localhost:5190' }

const docs = (path: string) => fileURLToPath(new URL(`../docs/${path}`, import.meta.url))
const source = (path: string) => fileURLToPath(new URL(`../packages/${path}`, import.meta.url))

/** Builds a sample's entry into one script, as an app's bundler would. */
async function buildSample(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [docs(entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    write: false,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: {
      '@latchkey/react': source('react/src/index.ts'),
      '@latchkey/core': source('core/src/index.ts'),
      // One React for the app and the binding, as an app's single install has.
      react: docs('node_modules/react'),
      'react-dom': docs('node_modules/react-dom'),
    },
  })
  return result.outputFiles.map((file) => file.text).join('\n')
}

/** Serves `script` as /app.js and the same HTML page for every other path (a SPA's fallback). */
function serve(origin: string, script: string): Promise<Server> {
  const page =
    '<!doctype html><html lang="en"><body><div id="root"></div><script type="module" src="/app.js"></script></body></html>'
  const server = createServer((request, response) => {
    const js = request.url === '/app.js'
    response.writeHead(200, {
      'content-type': js ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    })
    response.end(js ? script : page)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(Number(new URL(origin).port), '127.0.0.1', () => resolve(server))
  })
}

test.describe('the React getting-started sample', () => {
  const app = SAMPLE_ORIGINS.react
  let server: Server | undefined
  test.beforeAll(async () => {
    server = await serve(app, await buildSample('samples/react/main.tsx'))
  })
  test.afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve))
  })

  test('signs in, calls the API, signs out; a cancel at the server is said in plain words', async ({
    page,
  }) => {
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(error.message))
    // Signed out: the home page offers a sign-in, and sends nobody anywhere by itself.
    await page.goto(`${app}/`)
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()
    expect(new URL(page.url()).origin).toBe(app)

    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${ISSUER}/**`)
    const login = `sample-${Date.now()}`
    await consentAt(page, login, app)
    await page.waitForURL(`${app}/account`)
    await expect(page.getByText(`Hello, ${login}.`)).toBeVisible()

    await page.getByRole('button', { name: 'Call the API' }).click()
    await expect(page.locator('output')).toContainText('HTTP 200')
    await expect(page.locator('output')).toContainText(login)

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(`${ISSUER}/**`)
    await page.getByRole('button', { name: /yes, sign me out/i }).click()
    await page.waitForURL(`${app}/`)
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible()

    // Signed out at the server too: the next sign-in asks again, and here the user cancels.
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(`${ISSUER}/**`)
    await page.getByRole('link', { name: /cancel/i }).click()
    await page.waitForURL(`${app}/callback**`)
    await expect(page.getByRole('alert')).toHaveText(
      'The sign-in was cancelled or refused. Back to the start',
    )
    expect(errors).toEqual([])
  })
})
