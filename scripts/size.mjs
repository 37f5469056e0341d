// Size budget: the whole public API of @latchkey/core, dependencies included, minified + gzipped.
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const BUDGETS = [
  { name: '@latchkey/core', entry: 'packages/core/src/index.ts', limitBytes: 12 * 1024 },
]

let failed = false
for (const { name, entry, limitBytes } of BUDGETS) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    // Everything the package exports is kept: an app may use any of it.
    treeShaking: true,
  })
  const code = result.outputFiles[0].contents
  const gzipped = gzipSync(code, { level: 9 }).length
  const ok = gzipped <= limitBytes
  failed ||= !ok
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name}: ${(gzipped / 1024).toFixed(2)} kB min+gzip (${(code.length / 1024).toFixed(1)} kB min), budget ${(limitBytes / 1024).toFixed(0)} kB`,
  )
}
if (failed) process.exit(1)
