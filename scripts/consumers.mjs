// `npm run consumers`: installs the packed packages the way a user gets them, outside the
// workspace, and checks that they work there. `pnpm pack` packs the five packages (it turns
// `workspace:*` into real versions) from their dist/, so build first (`npm run packages`, part of
// `npm run check`). Then, each in a fresh temporary folder, in parallel:
//   react  a Vite React app using @latchkey/react and @latchkey/devtools: tsc --noEmit, then vite
//          build, whose bundle must hold none of the devtools' panel, and a development build
//          (NODE_ENV=development), which must
//   vue    a Vite Vue app with vue-router using @latchkey/vue and @latchkey/devtools/vue:
//          vue-tsc --noEmit, then vite build, with none of the panel in it
//   node   a plain Node ESM project using @latchkey/m2m and @latchkey/core: tsc (NodeNext) builds a
//          script that runs against an unreachable loopback issuer, and the latchkey-token bin runs
// The tarballs are installed with `npm install <tarballs> <dependencies>` at the exact versions the
// workspace uses, through npm's usual cache (--prefer-offline, so repeated runs are fast).
// Prints the time of every step; removes the temporary folders at the end, also on failure.
import { execFile } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const PACKAGES = ['core', 'm2m', 'react', 'vue', 'devtools']
const PNPM = '12.21.0'
const started = performance.now()
const work = await mkdtemp(join(tmpdir(), 'latchkey-consumers-'))
const cleanUp = () => rmSync(work, { recursive: true, force: true })
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanUp()
    process.exit(130)
  })
}

const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** Runs a command; on failure, the error carries its output. */
async function exec(file, args, options = {}) {
  try {
    return await run(file, args, { maxBuffer: 64 * 1024 * 1024, ...options })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    const failure = new Error(`${[file, ...args].join(' ')} failed${output ? `:\n${output}` : ''}`)
    failure.result = error
    throw failure
  }
}

/** Runs `action` as one timed step of `consumer` and prints its duration. */
async function step(consumer, what, action) {
  const since = performance.now()
  const result = await action()
  console.log(`${consumer.padEnd(6)} ${what.padEnd(44)} ${seconds(since).padStart(7)}`)
  return result
}

const readJson = async (path) => JSON.parse(await readFile(path, 'utf8'))

/** The exact versions the workspace uses (the playground's, the root's dev tools). */
async function versions() {
  const playground = await readJson(join(root, 'playground', 'package.json'))
  const workspace = await readJson(join(root, 'package.json'))
  const installed = async (name) =>
    (await readJson(join(root, 'node_modules', name, 'package.json'))).version
  const all = { ...playground.dependencies, ...playground.devDependencies }
  const pinned = {}
  for (const name of [
    'vite',
    'react',
    'react-dom',
    '@vitejs/plugin-react',
    '@types/react',
    '@types/react-dom',
    'vue',
    'vue-router',
    '@vitejs/plugin-vue',
  ]) {
    pinned[name] = all[name]
  }
  pinned.typescript = workspace.devDependencies.typescript
  pinned['vue-tsc'] = workspace.devDependencies['vue-tsc']
  // The root asks for a range; the consumer gets the version the workspace has installed.
  pinned['@types/node'] = await installed('@types/node')
  for (const [name, version] of Object.entries(pinned)) {
    if (!/^\d+\.\d+\.\d+$/.test(version ?? '')) {
      throw new Error(`no exact workspace version of ${name} (found ${version})`)
    }
  }
  return pinned
}

/** `pnpm`, or pnpm through npx when it is not on the PATH (as in CI, see .ci/run). */
async function pnpmCommand() {
  try {
    await exec('pnpm', ['--version'])
    return ['pnpm']
  } catch {
    return ['npx', '-y', `pnpm@${PNPM}`]
  }
}

/**
 * Packs the five packages; returns their tarball paths by short name. With
 * `LATCHKEY_TARBALLS=<dir>`, packs nothing and takes the tarballs already in that folder instead
 * (`latchkey-<name>-<version>.tgz`, as `pnpm pack` names them): scripts/release.mjs checks the
 * very tarballs it then publishes.
 */
async function pack() {
  const given = process.env.LATCHKEY_TARBALLS
  for (const name of given ? [] : PACKAGES) {
    if (!existsSync(join(root, 'packages', name, 'dist', 'index.js'))) {
      throw new Error(`packages/${name}/dist is missing: run \`npm run packages\` first`)
    }
  }
  const [pnpm, ...pnpmArgs] = given ? [] : await pnpmCommand()
  const dir = given ? resolve(given) : join(work, 'tarballs')
  /** Packs `name` into `dir`, or finds its tarball there; described as `pnpm pack --json` does. */
  const packOne = async (name) => {
    if (!given) {
      const { stdout } = await exec(
        pnpm,
        [...pnpmArgs, 'pack', '--pack-destination', dir, '--json'],
        { cwd: join(root, 'packages', name) },
      )
      return JSON.parse(stdout)
    }
    const found = (await readdir(dir)).filter((file) =>
      new RegExp(`^latchkey-${name}-\\d[^/]*\\.tgz$`).test(file),
    )
    if (found.length !== 1) {
      throw new Error(`${dir} holds ${found.length} tarballs of @latchkey/${name}, not one`)
    }
    const filename = join(dir, found[0])
    const { stdout } = await exec('tar', ['-tzf', filename])
    const paths = stdout.split('\n').filter((path) => path && !path.endsWith('/'))
    return { filename, files: paths.map((path) => ({ path: path.replace(/^package\//, '') })) }
  }
  const tarballs = {}
  const manifests = {}
  await Promise.all(
    PACKAGES.map(async (name) => {
      const packed = await packOne(name)
      tarballs[name] = packed.filename
      const files = packed.files.map((file) => file.path)
      for (const required of ['README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
        if (!files.includes(required))
          throw new Error(`the packed @latchkey/${name} has no ${required}`)
      }
      const { stdout: manifest } = await exec('tar', [
        '-xOzf',
        tarballs[name],
        'package/package.json',
      ])
      manifests[name] = JSON.parse(manifest)
    }),
  )
  // What the registry would get: no workspace: protocol, and @latchkey/core at the packed version.
  for (const name of PACKAGES) {
    const { dependencies = {}, peerDependencies = {} } = manifests[name]
    for (const [dependency, range] of Object.entries({ ...dependencies, ...peerDependencies })) {
      if (range.startsWith('workspace:')) {
        throw new Error(`the packed @latchkey/${name} depends on ${dependency}@${range}`)
      }
    }
    const core = dependencies['@latchkey/core']
    if (name !== 'core' && core !== manifests.core.version) {
      throw new Error(
        `the packed @latchkey/${name} depends on @latchkey/core@${core}, not the packed ${manifests.core.version}`,
      )
    }
  }
  return tarballs
}

/** Writes `files` (path → text) under `dir`. */
async function writeFiles(dir, files) {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
}

/** Creates a project folder and installs the tarballs and the dependencies there with npm. */
async function install(consumer, files, tarballs, dependencies, pinned) {
  const dir = join(work, consumer)
  await writeFiles(dir, {
    'package.json': `${JSON.stringify({ name: `latchkey-${consumer}-consumer`, private: true, type: 'module' }, null, 2)}\n`,
    ...files,
  })
  const specs = dependencies.map((name) => `${name}@${pinned[name]}`)
  await step(consumer, `npm install (${tarballs.length} tarballs, ${specs.length} deps)`, () =>
    exec(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...tarballs,
        ...specs,
      ],
      { cwd: dir },
    ),
  )
  // Every @latchkey package must come from its tarball, none from the registry, and only once.
  const lock = await readJson(join(dir, 'package-lock.json'))
  for (const tarball of tarballs) {
    // From the file's name: the temporary folder's (latchkey-consumers-<random>) could match too.
    const name = `@latchkey/${/latchkey-([a-z0-9]+)-\d[^/]*\.tgz$/.exec(tarball)?.[1]}`
    if (!lock.packages[`node_modules/${name}`]?.resolved?.startsWith('file:')) {
      throw new Error(`${consumer}: ${name} is not installed from its tarball`)
    }
  }
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes('node_modules/@latchkey/')) continue
    if (!/^node_modules\/@latchkey\/[^/]+$/.test(path) || !entry.resolved?.startsWith('file:')) {
      throw new Error(`${consumer}: ${path} was installed from ${entry.resolved}, not a tarball`)
    }
  }
  return dir
}

const bin = (dir, name) => join(dir, 'node_modules', '.bin', name)

const HTML = (entry) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Latchkey consumer</title>
  </head>
  <body>
    <div id="app"></div>
    <script type="module" src="${entry}"></script>
  </body>
</html>
`

/** Compiler options as Vite's TypeScript templates have them, plus checking the libraries' types. */
const TS_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022', 'DOM', 'DOM.Iterable'],
  module: 'ESNext',
  moduleResolution: 'bundler',
  strict: true,
  noEmit: true,
  isolatedModules: true,
  verbatimModuleSyntax: true,
  // Our .d.ts files are part of what users consume: check them too.
  skipLibCheck: false,
}

async function react(tarballs, pinned) {
  const dir = await install(
    'react',
    {
      'index.html': HTML('/src/main.tsx'),
      'vite.config.ts': `import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({ plugins: [react()] })
`,
      'tsconfig.json': JSON.stringify(
        { compilerOptions: { ...TS_OPTIONS, jsx: 'react-jsx', types: [] }, include: ['src'] },
        null,
        2,
      ),
      'src/main.tsx': `import {
  AuthProvider,
  type AuthState,
  createAuth,
  isAuthError,
  RequireAuth,
  useAuth,
} from '@latchkey/react'
import { createFlowInspector } from '@latchkey/devtools'
import { FlowInspectorPanel } from '@latchkey/devtools/react'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'

const inspector = createFlowInspector()
const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'consumer-spa',
  redirectUri: \`\${location.origin}/callback\`,
  apiOrigins: ['https://api.example.com'],
  onEvent: inspector.onEvent,
})

function Account() {
  const { user, status, error, logout, authFetch } = useAuth()
  const current: AuthState['status'] = status
  const load = async () => (await authFetch('https://api.example.com/me')).json()
  return (
    <section>
      <p>
        {current}: {user?.sub} {isAuthError(error) ? error.code : ''}
      </p>
      <button type="button" onClick={() => void load()}>
        Load
      </button>
      <button type="button" onClick={() => logout()}>
        Sign out
      </button>
    </section>
  )
}

const element = document.getElementById('app')
if (!element) throw new Error('no #app')
createRoot(element).render(
  <StrictMode>
    <AuthProvider auth={auth} onRedirect={(to) => history.replaceState(null, '', to)}>
      <RequireAuth fallback={<p>Signing in…</p>}>
        <Account />
      </RequireAuth>
      <FlowInspectorPanel inspector={inspector} />
    </AuthProvider>
  </StrictMode>,
)
`,
    },
    [tarballs.core, tarballs.react, tarballs.devtools],
    [
      'react',
      'react-dom',
      'vite',
      '@vitejs/plugin-react',
      '@types/react',
      '@types/react-dom',
      'typescript',
    ],
    pinned,
  )
  await step('react', 'tsc --noEmit', () => exec(bin(dir, 'tsc'), ['--noEmit'], { cwd: dir }))
  await step('react', 'vite build', () =>
    exec(bin(dir, 'vite'), ['build', '--logLevel', 'warn'], { cwd: dir }),
  )
  await expectBundle('react', dir, 'consumer-spa')
  await expectNoDevtools('react', dir)
  // The same app built for development holds the panel: the check above can fail.
  await step('react', 'vite build (NODE_ENV=development)', () =>
    exec(bin(dir, 'vite'), ['build', '--logLevel', 'warn', '--outDir', 'dist-dev'], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'development' },
    }),
  )
  const development = await bundleText(join(dir, 'dist-dev'))
  const missing = DEVTOOLS_MARKERS.filter((marker) => !development.includes(marker))
  if (missing.length > 0) {
    throw new Error(
      `react: the development build lacks the flow inspector's ${missing.join(', ')} (update DEVTOOLS_MARKERS?)`,
    )
  }
}

async function vue(tarballs, pinned) {
  const dir = await install(
    'vue',
    {
      'index.html': HTML('/src/main.ts'),
      'vite.config.ts': `import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

export default defineConfig({ plugins: [vue()] })
`,
      'tsconfig.json': JSON.stringify(
        { compilerOptions: { ...TS_OPTIONS, types: [] }, include: ['src/**/*.ts', 'src/**/*.vue'] },
        null,
        2,
      ),
      'src/main.ts': `import { createAuth, createAuthGuard, createLatchkey } from '@latchkey/vue'
import { createApp } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import AccountPage from './AccountPage.vue'
import App from './App.vue'
import HomePage from './HomePage.vue'
import { inspector } from './inspector.js'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'consumer-spa',
  redirectUri: \`\${location.origin}/callback\`,
  onEvent: inspector.onEvent,
})
const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', component: HomePage },
    { path: '/callback', component: HomePage },
    { path: '/account', component: AccountPage, meta: { requiresAuth: true } },
  ],
})
router.beforeEach(createAuthGuard())
createApp(App)
  .use(router)
  .use(createLatchkey(auth, { onRedirect: (returnTo) => router.replace(returnTo) }))
  .mount('#app')
`,
      'src/App.vue': `<script setup lang="ts">
import { FlowInspectorPanel } from '@latchkey/devtools/vue'
import { useAuth } from '@latchkey/vue'
import { inspector } from './inspector.js'

const { error } = useAuth()
</script>

<template>
  <p v-if="error">{{ error.code }}</p>
  <RouterView />
  <FlowInspectorPanel :inspector="inspector" />
</template>
`,
      'src/inspector.ts': `import { createFlowInspector } from '@latchkey/devtools'

export const inspector = createFlowInspector()
`,
      'src/HomePage.vue': `<script setup lang="ts">
import { useAuth } from '@latchkey/vue'

const { user, isAuthenticated, login, logout } = useAuth()
</script>

<template>
  <button v-if="isAuthenticated" @click="logout()">Sign out {{ user?.sub }}</button>
  <button v-else @click="login({ returnTo: '/account' })">Sign in</button>
</template>
`,
      'src/AccountPage.vue': `<script setup lang="ts">
import { isAuthError, useAuth } from '@latchkey/vue'
import { computed } from 'vue'

const { status, user, expiresAt } = useAuth()
const label = computed(() => \`\${status.value} \${user.value?.sub ?? ''} \${expiresAt.value ?? ''}\`)
const code = (error: unknown) => (isAuthError(error) ? error.code : 'unknown')
</script>

<template>
  <p>{{ label }} {{ code(null) }}</p>
</template>
`,
    },
    [tarballs.core, tarballs.vue, tarballs.devtools],
    ['vue', 'vue-router', 'vite', '@vitejs/plugin-vue', 'typescript', 'vue-tsc'],
    pinned,
  )
  await step('vue', 'vue-tsc --noEmit', () => exec(bin(dir, 'vue-tsc'), ['--noEmit'], { cwd: dir }))
  await step('vue', 'vite build', () =>
    exec(bin(dir, 'vite'), ['build', '--logLevel', 'warn'], { cwd: dir }),
  )
  await expectBundle('vue', dir, 'consumer-spa')
  await expectNoDevtools('vue', dir)
}

/** The app's bundle holds the client's configuration, so the package's code is in it. */
async function expectBundle(consumer, dir, marker) {
  const code = await bundleText(join(dir, 'dist'))
  if (!code.includes(marker) || !code.includes('latchkey')) {
    throw new Error(`${consumer}: the built bundle does not hold the app and @latchkey code`)
  }
}

/** Every script of a Vite build in `outDir`, as one text. */
async function bundleText(outDir) {
  const assets = join(outDir, 'assets')
  const scripts = (await readdir(assets)).filter((file) => file.endsWith('.js'))
  return (await Promise.all(scripts.map((file) => readFile(join(assets, file), 'utf8')))).join('\n')
}

// Strings of @latchkey/devtools' panel, which a production build must not hold.
const DEVTOOLS_MARKERS = ['Flow inspector', 'fi-step', 'latchkey-devtools:flow-inspector']

/** The production build of an app that uses @latchkey/devtools holds none of its panel. */
async function expectNoDevtools(consumer, dir) {
  const code = await bundleText(join(dir, 'dist'))
  const found = DEVTOOLS_MARKERS.filter((marker) => code.includes(marker))
  if (found.length > 0) {
    throw new Error(
      `${consumer}: the production build holds @latchkey/devtools' panel (${found.join(', ')})`,
    )
  }
}

async function node(tarballs, pinned) {
  const dir = await install(
    'node',
    {
      'tsconfig.json': JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: false,
            types: ['node'],
            outDir: 'build',
          },
          include: ['src'],
        },
        null,
        2,
      ),
      'src/main.ts': `import assert from 'node:assert/strict'
import { createAuth } from '@latchkey/core'
import { createTestAuth, TEST_ACCESS_TOKEN } from '@latchkey/core/testing'
import { AuthError, createClientCredentials, isAuthError } from '@latchkey/m2m'

const secret = 'consumer-secret-do-not-print'
const client = createClientCredentials({
  issuer: 'http://127.0.0.1:9', // nothing listens on the discard port
  clientId: 'consumer-service',
  clientSecret: secret,
  apiOrigins: ['https://api.example.com'],
  retries: 0,
  timeoutMs: 5000,
})
assert.equal(JSON.stringify(client), '{"issuer":"http://127.0.0.1:9","clientId":"consumer-service"}')

const failure: unknown = await client.getAccessToken().then(
  () => assert.fail('a token from an unreachable issuer'),
  (error: unknown) => error,
)
assert.ok(isAuthError(failure) && failure instanceof AuthError)
assert.equal(failure.code, 'discovery_failed')
assert.ok(isAuthError(failure.cause))
assert.equal(failure.cause.code, 'network_error')
assert.ok(!String(failure.stack).includes(secret))

await assert.rejects(client.authFetch('https://elsewhere.example.com/'), {
  code: 'origin_not_allowed',
})

// @latchkey/core imports in Node: an inert client on a server, and the test double.
const inert = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'consumer-spa',
  redirectUri: 'https://app.example.com/callback',
})
assert.equal(inert.getState().status, 'loading')
await assert.rejects(inert.login(), { code: 'browser_required' })
const testAuth = createTestAuth({ user: { sub: 'ada' } })
assert.equal(testAuth.getState().user?.sub, 'ada')
assert.equal(await testAuth.getAccessToken(), TEST_ACCESS_TOKEN)
console.log('m2m and core work from a Node ESM project')
`,
    },
    [tarballs.core, tarballs.m2m],
    ['typescript', '@types/node'],
    pinned,
  )
  await step('node', 'tsc (NodeNext)', () => exec(bin(dir, 'tsc'), [], { cwd: dir }))
  await step('node', 'node build/main.js', () => exec('node', ['build/main.js'], { cwd: dir }))
  await step('node', 'latchkey-token --help, and without config', async () => {
    const { stdout } = await exec(bin(dir, 'latchkey-token'), ['--help'], { cwd: dir })
    if (!stdout.startsWith('Usage: latchkey-token')) {
      throw new Error(`latchkey-token --help printed:\n${stdout}`)
    }
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('LATCHKEY_')),
    )
    const unconfigured = await exec(bin(dir, 'latchkey-token'), [], { cwd: dir, env }).then(
      () => {
        throw new Error('latchkey-token without LATCHKEY_ISSUER exited 0')
      },
      (error) => error.result,
    )
    if (
      unconfigured.code !== 1 ||
      !/config_invalid: set LATCHKEY_ISSUER/.test(unconfigured.stderr)
    ) {
      throw new Error(
        `latchkey-token without config: exit ${unconfigured.code}, stderr:\n${unconfigured.stderr}`,
      )
    }
  })
}

let failed = false
try {
  const [tarballs, pinned] = await step('all', `pnpm pack (${PACKAGES.length} packages)`, () =>
    Promise.all([pack(), versions()]),
  )
  const results = await Promise.allSettled([
    react(tarballs, pinned),
    vue(tarballs, pinned),
    node(tarballs, pinned),
  ])
  for (const result of results) {
    if (result.status === 'rejected') {
      failed = true
      console.error(
        `FAIL ${result.reason instanceof Error ? result.reason.message : result.reason}`,
      )
    }
  }
} catch (error) {
  failed = true
  console.error(`FAIL ${error instanceof Error ? error.message : error}`)
} finally {
  cleanUp()
}
console.log(`consumers: ${failed ? 'FAILED' : 'ok'} in ${seconds(started)}`)
if (failed) process.exitCode = 1
