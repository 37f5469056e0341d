// Bundles the bench pages (bench/runtime/pages) with esbuild, the way an app would ship them: the
// peers' pages as one minified script each; Latchkey's code-split (`splitPage`), so the chunks the
// SDK loads on demand are files of their own that the page fetches over the network, as in an app.
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const benchRoot = join(here, '..')

/** The versions of the peer SDKs installed in bench/. */
export async function peerVersions() {
  const versions = {}
  for (const name of ['oidc-client-ts', '@auth0/auth0-spa-js']) {
    const manifest = JSON.parse(
      await readFile(join(benchRoot, 'node_modules', name, 'package.json'), 'utf8'),
    )
    versions[name.replace(/^@auth0\//, '')] = manifest.version
  }
  return versions
}

/**
 * @param {string} page file name in bench/runtime/pages, without `.js`
 * @returns {Promise<string>} a minified classic script (IIFE); `globalName` names its exports
 */
export async function bundlePage(page, globalName) {
  const result = await build({
    ...common(page),
    format: 'iife',
    ...(globalName ? { globalName } : {}),
  })
  return result.outputFiles[0].text
}

/**
 * The page code-split as an app's build is (esbuild `splitting`, ES modules): `/app.js`, the chunks
 * it imports statically and the ones it imports on demand.
 * @param {string} page file name in bench/runtime/pages, without `.js`
 * @returns {Promise<{ files: Record<string, string>, preload: string[] }>} every output file by its
 *   URL path, and the paths of the chunks `/app.js` imports statically
 */
export async function splitPage(page) {
  const outdir = join(benchRoot, '.page-build')
  const result = await build({
    ...common(page),
    format: 'esm',
    splitting: true,
    outdir,
    entryNames: 'app',
    chunkNames: 'chunk-[hash]',
    metafile: true,
  })
  const files = Object.fromEntries(
    result.outputFiles.map((file) => [`/${relative(outdir, file.path)}`, file.text]),
  )
  // The chunks a dynamic import() loads are entry points in the metafile too.
  const entryPoint = relative(benchRoot, join(here, 'pages', `${page}.js`))
  const entry = Object.values(result.metafile.outputs).find(
    (output) => output.entryPoint === entryPoint,
  )
  const preload = entry.imports
    .filter((imported) => imported.kind === 'import-statement')
    .map((imported) => `/${relative(relative(benchRoot, outdir), imported.path)}`)
  for (const path of ['/app.js', ...preload]) {
    if (!(path in files)) throw new Error(`${page}: the split build has no ${path}`)
  }
  return { files, preload }
}

function common(page) {
  return {
    entryPoints: [join(here, 'pages', `${page}.js`)],
    bundle: true,
    minify: true,
    target: 'es2022',
    platform: 'browser',
    // Nothing is written: the bench serves the output from memory.
    write: false,
    absWorkingDir: benchRoot,
    nodePaths: [join(benchRoot, 'node_modules')],
    // @latchkey/core from its TypeScript source, as bench/sizes builds it.
    conditions: ['source'],
    logLevel: 'warning',
  }
}
