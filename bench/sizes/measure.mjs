// Bundle sizes for `npm run bench`: the same small app (sign in by redirect, handle the callback or
// restore the session, get an access token and call an API, sign out) written once per SDK in
// bench/sizes/apps/<sdk>/, each built by Vite with one set of settings (production, the default
// minifier, target es2022, code splitting on as in a user's build).
//
//   node bench/sizes/measure.mjs     (from the repository root)
//
// For each app: the first load (the entry chunk and every chunk it imports statically, following
// the manifest's `imports`, not its `dynamicImports`: what the browser loads before the app runs)
// and the total (every JS chunk, on-demand ones included), minified and gzipped (level 9, each file
// on its own, summed), and the first load's ratio to Latchkey's. Latchkey is built from
// packages/core's TypeScript source, so no build of the package is needed.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const here = fileURLToPath(new URL('.', import.meta.url))
const bench = join(here, '..')
const coreDir = join(bench, '..', 'packages', 'core')

/**
 * The apps, Latchkey first (the ratios are to its first load). `markers` are strings the built
 * app must hold, so a figure can never come from an app whose SDK code was tree-shaken away or
 * never imported (besides the API address, the app's own code): strings of the SDK's sign-in (PKCE,
 * the authorization request), token refresh and sign-out code.
 */
const APPS = [
  {
    sdk: 'Latchkey',
    dir: 'latchkey',
    packageJson: join(coreDir, 'package.json'),
    markers: {
      'sign-in': ['code_challenge_method', 'authorization_endpoint'],
      'token refresh': 'refresh_token',
      'sign-out': 'end_session',
    },
  },
  {
    sdk: 'oidc-client-ts',
    dir: 'oidc-client-ts',
    packageJson: join(bench, 'node_modules', 'oidc-client-ts', 'package.json'),
    markers: {
      'sign-in': ['code_challenge_method', 'authorization_endpoint'],
      'token refresh': 'refresh_token',
      'sign-out': 'end_session',
    },
  },
  {
    sdk: '@auth0/auth0-spa-js',
    dir: 'auth0',
    packageJson: join(bench, 'node_modules', '@auth0', 'auth0-spa-js', 'package.json'),
    markers: {
      'sign-in': ['code_challenge_method', '/authorize'],
      'token refresh': 'refresh_token',
      'sign-out': '/v2/logout',
    },
  },
  {
    sdk: '@azure/msal-browser',
    dir: 'msal',
    packageJson: join(bench, 'node_modules', '@azure', 'msal-browser', 'package.json'),
    markers: {
      'sign-in': ['code_challenge_method', 'authorization_endpoint'],
      'token refresh': 'refresh_token',
      'sign-out': 'end_session',
    },
  },
  {
    sdk: '@okta/okta-auth-js',
    dir: 'okta',
    packageJson: join(bench, 'node_modules', '@okta', 'okta-auth-js', 'package.json'),
    markers: {
      'sign-in': ['code_challenge_method', '/v1/authorize'],
      'token refresh': 'refresh_token',
      'sign-out': '/v1/logout',
    },
  },
]
const API_URL = 'https://api.example.com/me'

/** One Vite configuration for every app; only the app's folder and the output folder differ. */
function viteConfig(root, outDir, cacheDir) {
  return {
    configFile: false,
    envDir: false,
    root,
    cacheDir,
    mode: 'production',
    logLevel: 'warn',
    resolve: {
      // @latchkey/core from its TypeScript source, as the playground does.
      alias: [{ find: /^@latchkey\/core$/, replacement: join(coreDir, 'src', 'index.ts') }],
    },
    build: {
      target: 'es2022',
      outDir,
      emptyOutDir: true,
      manifest: true,
      reportCompressedSize: false,
    },
  }
}

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

/** Builds one app and measures its output. */
async function measureApp(build, app, work) {
  const outDir = join(work, app.dir)
  await build(viteConfig(join(here, 'apps', app.dir), outDir, join(work, '.vite-cache')))
  const manifest = JSON.parse(await readFile(join(outDir, '.vite', 'manifest.json'), 'utf8'))
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry)
  if (entries.length !== 1) {
    throw new Error(`${app.sdk}: expected one entry in the manifest, found ${entries.length}`)
  }
  // The first load: the entry chunk and, recursively, what it imports statically.
  const firstLoad = new Set()
  const visit = (key) => {
    const chunk = manifest[key]
    if (chunk === undefined) throw new Error(`${app.sdk}: ${key} is not in the manifest`)
    if (firstLoad.has(chunk.file)) return
    firstLoad.add(chunk.file)
    for (const imported of chunk.imports ?? []) visit(imported)
  }
  visit(entries[0])
  const js = (await filesUnder(outDir)).filter((file) => file.endsWith('.js'))
  const chunks = await Promise.all(
    js.map(async (file) => {
      const bytes = await readFile(join(outDir, file))
      return { file, min: bytes.length, gz: gz(bytes), text: bytes.toString('utf8') }
    }),
  )
  const missingFromOutput = [...firstLoad].filter((file) => !js.includes(file))
  if (missingFromOutput.length > 0) {
    throw new Error(`${app.sdk}: the manifest names chunks not written: ${missingFromOutput}`)
  }
  const first = chunks.filter((chunk) => firstLoad.has(chunk.file))
  const sum = (list, key) => list.reduce((total, chunk) => total + chunk[key], 0)
  // Sanity: the app and its SDK's code are really in the build.
  const all = chunks.map((chunk) => chunk.text).join('\n')
  const firstText = first.map((chunk) => chunk.text).join('\n')
  const markers = Object.entries(app.markers).flatMap(([step, strings]) =>
    [strings].flat().map((marker) => ({ step, marker })),
  )
  const missing = [API_URL, ...markers.map(({ marker }) => marker)].filter(
    (marker) => !all.includes(marker),
  )
  if (missing.length > 0) {
    throw new Error(
      `${app.sdk}: the build lacks ${missing.map((m) => `"${m}"`).join(', ')}: is the SDK code tree-shaken away?`,
    )
  }
  return {
    firstLoadGz: sum(first, 'gz'),
    firstLoadMin: sum(first, 'min'),
    totalGz: sum(chunks, 'gz'),
    totalMin: sum(chunks, 'min'),
    firstLoadChunks: first.length,
    chunks: chunks.length,
    // Steps whose code is (at least partly) split off the first load, loaded on demand.
    onDemand: [
      ...new Set(
        markers.filter(({ marker }) => !firstText.includes(marker)).map(({ step }) => step),
      ),
    ],
  }
}

/**
 * Builds every app and returns one row per SDK, Latchkey first: sizes in bytes, `ratio` the first
 * load gzipped over Latchkey's.
 */
export async function measureSizes() {
  const { build } = await import('vite')
  const work = await mkdtemp(join(tmpdir(), 'latchkey-sizes-'))
  try {
    const rows = []
    for (const app of APPS) {
      const { version } = JSON.parse(await readFile(app.packageJson, 'utf8'))
      rows.push({ sdk: app.sdk, version, ...(await measureApp(build, app, work)) })
    }
    const latchkey = rows[0].firstLoadGz
    return rows.map((row) => ({ ...row, ratio: row.firstLoadGz / latchkey }))
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now()
  const rows = await measureSizes()
  const { version: viteVersion } = await import('vite')
  const kb = (bytes) => `${(bytes / 1024).toFixed(2)} kB`
  console.log(
    `Bundle size of the same app per SDK (Vite ${viteVersion}, production, target es2022, code splitting on; gzip -9 per chunk, summed)`,
  )
  console.table(
    rows.map((row) => ({
      SDK: `${row.sdk} ${row.version}`,
      'first load (gz)': kb(row.firstLoadGz),
      'first load (min)': kb(row.firstLoadMin),
      'total (gz)': kb(row.totalGz),
      'total (min)': kb(row.totalMin),
      chunks: `${row.firstLoadChunks} + ${row.chunks - row.firstLoadChunks} on demand`,
      'vs Latchkey': `${row.ratio.toFixed(2)}x`,
    })),
  )
  for (const row of rows.filter((r) => r.onDemand.length > 0)) {
    console.log(`${row.sdk}: code loaded on demand, not first: ${row.onDemand.join(', ')}`)
  }
  // The goal of the benchmark issue: Latchkey's first load below oidc-client-ts's.
  const oidc = rows.find((row) => row.sdk === 'oidc-client-ts')
  const below = rows[0].firstLoadGz < oidc.firstLoadGz
  console.log(
    `Latchkey's first load is ${below ? '' : 'NOT '}below oidc-client-ts's: ${kb(rows[0].firstLoadGz)} vs ${kb(oidc.firstLoadGz)}`,
  )
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
