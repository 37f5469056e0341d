// `npm run docs:build`: generates the API reference from the packages' TSDoc with TypeDoc
// (docs/typedoc.json, warnings are errors) into docs/api/, then builds the VitePress site into
// docs/.vitepress/dist/. Fails on any warning from either (VitePress fails on dead links itself).
// `npm run docs:dev`: the same API reference, then the VitePress dev server.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const docs = fileURLToPath(new URL('../docs', import.meta.url))
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const mode = process.argv[2]
if (mode !== 'build' && mode !== 'dev') {
  console.error('usage: node scripts/docs.mjs build|dev')
  process.exit(2)
}

/** Runs a script of docs/package.json, echoing its output; resolves with that output. */
function run(script, { check = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, ['run', '--silent', script], {
      cwd: docs,
      stdio: check ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, FORCE_COLOR: '0' },
    })
    let output = ''
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk) => {
        output += chunk
        process.stdout.write(chunk)
      })
    }
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`docs: npm run ${script} exited with ${code}`))
      else resolve(output)
    })
  })
}

const started = performance.now()
try {
  await run('api')
  if (mode === 'dev') {
    await run('dev', { check: false })
  } else {
    const output = await run('build')
    // Vite and VitePress print warnings as "(!) ..." or with "warn" in them; none is acceptable.
    const warnings = output.split('\n').filter((line) => /\(!\)|\bwarn(ing)?\b/i.test(line))
    if (warnings.length > 0) {
      throw new Error(`docs: the VitePress build printed warnings:\n${warnings.join('\n')}`)
    }
    console.log(`docs: built in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
