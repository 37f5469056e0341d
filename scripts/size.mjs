// Size budget: the whole public API of @latchkey/core, dependencies included, minified + gzipped.
// Also prints what the dependencies alone weigh, so a change in the figure can be placed.
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

// Issue 2 set 12 kB for sign-in alone (11.9 kB when it landed). The session features (issue 3)
// and DPoP (issue 4) brought it to 16.9 kB, of which the oauth4webapi functions DESIGN.md requires
// weigh 8.4 kB by themselves. See the README, "Size".
const LIMIT_KB = 17

async function gzippedSize(options) {
  const result = await build({
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    ...options,
  })
  const code = result.outputFiles[0].contents
  return { min: code.length, gz: gzipSync(code, { level: 9 }).length }
}

const kb = (bytes) => `${(bytes / 1024).toFixed(2)} kB`
const whole = await gzippedSize({ entryPoints: ['packages/core/src/index.ts'] })
const own = await gzippedSize({
  entryPoints: ['packages/core/src/index.ts'],
  external: ['oauth4webapi', 'idb-keyval'],
})
const ok = whole.gz <= LIMIT_KB * 1024
console.log(
  `${ok ? 'ok  ' : 'FAIL'} @latchkey/core, whole public API with dependencies: ${kb(whole.gz)} min+gzip (${kb(whole.min)} min), budget ${LIMIT_KB} kB`,
)
console.log(`     of which Latchkey's own code, bundled alone: ${kb(own.gz)} min+gzip`)
if (!ok) process.exit(1)
