// Bundles the peer SDKs' bench pages (bench/runtime/pages) with esbuild, the way an app would ship
// them: one minified script per page.
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
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
    entryPoints: [join(here, 'pages', `${page}.js`)],
    bundle: true,
    minify: true,
    format: 'iife',
    ...(globalName ? { globalName } : {}),
    target: 'es2022',
    platform: 'browser',
    write: false,
    absWorkingDir: benchRoot,
    nodePaths: [join(benchRoot, 'node_modules')],
    // @latchkey/core from its TypeScript source, as bench/sizes builds it.
    conditions: ['source'],
    logLevel: 'warning',
  })
  return result.outputFiles[0].text
}
