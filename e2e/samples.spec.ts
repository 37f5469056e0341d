// The getting-started samples run as written: each is built as an app of its own (esbuild, the
// packages from their TypeScript source) and served on an origin of its own, which the playground
// accepts (LATCHKEY_EXTRA_ORIGINS in playwright.config.ts); then a user's journey runs in Chromium
// against the playground: sign in, call the API, sign out, and cancel at the server.

import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { expect, type Page, test } from '@playwright/test'
import { build, type Plugin } from 'esbuild'
import { listen, stop } from '../playground/server/http.js'
import { consentAt, ISSUER } from './playground.js'

/** The samples' origins; playwright.config.ts lets the playground accept them. */
const SAMPLE_ORIGINS = {
  react: 'http://localhost:5190',
  vue: 'http://localhost:5191',
  vanilla: 'http://localhost:5192',
}

const docs = (path: string) => fileURLToPath(new URL(`../docs/${path}`, import.meta.url))
const source = (path: string) => fileURLToPath(new URL(`../packages/${path}`, import.meta.url))

/** What the spec uses of `vue/compiler-sfc` (installed with the docs' vue, not at the root). */
interface SfcCompiler {
  parse(
    source: string,
    options: { filename: string },
  ): {
    descriptor: { script: unknown; scriptSetup: unknown; template: { content: string } | null }
  }
  compileScript(
    descriptor: unknown,
    options: { id: string; inlineTemplate: boolean },
  ): { content: string }
  compileTemplate(options: { source: string; filename: string; id: string }): { code: string }
}
const sfc = createRequire(docs('package.json'))('vue/compiler-sfc') as SfcCompiler
// Vue's single-file components, compiled as @vitejs/plugin-vue does (script setup, template
// inlined), with the compiler the vue package ships.
const vueFiles: Plugin = {
  name: 'vue-sfc',
  setup(plugin) {
    plugin.onLoad({ filter: /\.vue$/ }, async ({ path }) => {
      const { descriptor } = sfc.parse(await readFile(path, 'utf8'), { filename: path })
      const id = path.replace(/[^a-z0-9]/gi, '')
      if (descriptor.scriptSetup === null && descriptor.script === null) {
        const render = sfc.compileTemplate({
          source: descriptor.template?.content ?? '',
          filename: path,
          id,
        })
        return { contents: `${render.code}\nexport default { render }`, loader: 'ts' }
      }
      const script = sfc.compileScript(descriptor, { id, inlineTemplate: true })
      return { contents: script.content, loader: 'ts' }
    })
  },
}

/** Builds a sample's entry into one script, as an app's bundler would. */
async function buildSample(entry: string): Promise<string> {
  const result = await build({
    plugins: [vueFiles],
    entryPoints: [docs(entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    write: false,
    logLevel: 'warning',
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    alias: {
      '@latchkey/react': source('react/src/index.ts'),
      '@latchkey/core': source('core/src/index.ts'),
      // One React for the app and the binding, as an app's single install has.
      react: docs('node_modules/react'),
      'react-dom': docs('node_modules/react-dom'),
      '@latchkey/vue': source('vue/src/index.ts'),
      vue: docs('node_modules/vue/dist/vue.runtime.esm-bundler.js'),
      'vue-router': docs('node_modules/vue-router'),
    },
  })
  return result.outputFiles.map((file) => file.text).join('\n')
}

// Vite's React template mounts on #root, its Vue template on #app.
const TEMPLATE_PAGE =
  '<!doctype html><html lang="en"><body><div id="root"></div><div id="app"></div><script type="module" src="/app.js"></script></body></html>'

/** Serves `script` as /app.js and `page` for every other path (a SPA's fallback). */
async function serve(origin: string, script: string, page = TEMPLATE_PAGE): Promise<Server> {
  const server = createServer((request, response) => {
    const js = request.url === '/app.js'
    response.writeHead(200, {
      'content-type': js ? 'text/javascript' : 'text/html',
      'cache-control': 'no-store',
    })
    response.end(js ? script : page)
  })
  await listen(server, Number(new URL(origin).port))
  return server
}

for (const [name, entry, html] of [
  ['react', 'samples/react/main.tsx', undefined],
  ['vue', 'samples/vue/main.ts', undefined],
  // The vanilla sample brings its page, whose script is the built entry.
  ['vanilla', 'samples/vanilla/main.ts', 'samples/vanilla/index.html'],
] as const) {
  test.describe(`the ${name} getting-started sample`, () => {
    const app = SAMPLE_ORIGINS[name]
    let server: Server | undefined
    test.beforeAll(async () => {
      const page = html && (await readFile(docs(html), 'utf8')).replace('/src/main.ts', '/app.js')
      server = await serve(app, await buildSample(entry), page)
    })
    test.afterAll(async () => {
      if (server) await stop(server)
    })

    test('signs in, calls the API, signs out; a cancel at the server is said in plain words', async ({
      page,
    }) => {
      await journey(page, app)
    })
  })
}

/** The journey every browser sample supports, on the sample served at `app`. */
async function journey(page: Page, app: string): Promise<void> {
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
}
