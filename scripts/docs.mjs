// `npm run docs:build`: checks that README.md holds docs/samples/readme.ts verbatim, makes sure the
// flow inspector's screenshot exists, generates the API reference from the packages' TSDoc with
// TypeDoc (docs/typedoc.json, warnings are errors) into docs/api/, then builds the VitePress site
// into docs/.vitepress/dist/. Fails on any warning from either (VitePress fails on dead links
// itself).
// `npm run docs:dev`: the same screenshot and API reference, then the VitePress dev server.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const docs = fileURLToPath(new URL('../docs', import.meta.url))
const readmeSample = 'docs/samples/readme.ts'
// Written by the Playwright test e2e/inspector.spec.ts, and not committed (.gitignore).
const screenshot = 'docs/public/flow-inspector.png'
const windows = process.platform === 'win32'
const npm = windows ? 'npm.cmd' : 'npm'
const npx = windows ? 'npx.cmd' : 'npx'
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

/** Runs a command from the repository's root with the terminal as its stdio. */
function runInRoot(command, args) {
  console.log(`$ ${[command, ...args].join(' ')}`)
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`docs: ${[command, ...args].join(' ')} exited with ${code}`))
      else resolve()
    })
  })
}

/** The README's example is docs/samples/readme.ts, which `tsc -b` checks; they must not drift. */
function checkReadmeSample() {
  const read = (file) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
  const sample = read(readmeSample).replace(/\r\n/g, '\n').trimEnd()
  const fences = read('README.md')
    .replace(/\r\n/g, '\n')
    .matchAll(/^```ts\n([\s\S]*?)\n```$/gm)
  if (![...fences].some(([, code]) => code === sample)) {
    throw new Error(
      `docs: README.md has no \`\`\`ts block that is ${readmeSample} verbatim. The README's example is that file, which \`tsc -b\` type-checks: copy the file into the README's \`\`\`ts block whole, or change both.`,
    )
  }
}

/** The flow inspector's page shows a screenshot that a browser test takes; take it when missing. */
async function ensureScreenshot() {
  const file = new URL(`../${screenshot}`, import.meta.url)
  if (existsSync(file)) return
  console.log(`docs: ${screenshot} is missing; taking it with e2e/inspector.spec.ts`)
  await runInRoot(process.execPath, ['scripts/ensure-browser.mjs'])
  await runInRoot(npx, ['playwright', 'test', 'e2e/inspector.spec.ts'])
  if (!existsSync(file)) {
    throw new Error(
      `docs: ${screenshot} is still missing after \`npx playwright test e2e/inspector.spec.ts\`, which should write it.`,
    )
  }
}

const started = performance.now()
try {
  if (mode === 'build') checkReadmeSample()
  await ensureScreenshot()
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
