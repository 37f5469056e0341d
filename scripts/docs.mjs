// `npm run docs:build`: checks that README.md holds docs/samples/readme.ts verbatim and that the
// flow inspector's screenshot (committed) is there, generates the API reference from the packages'
// TSDoc with TypeDoc (docs/typedoc.json, warnings are errors) into docs/api/, then builds the
// VitePress site into docs/.vitepress/dist/. Fails on any warning from either (VitePress fails on
// dead links itself). It starts no server and writes nothing outside docs/.
// `npm run docs:dev [-- --port N]`: the API reference, then the VitePress dev server on port N
// (LATCHKEY_DOCS_PORT, else 5280: not the playground's 5173).
// `npm run docs:screenshot`: takes the flow inspector's screenshot again, with the outline of the
// panel it shows, by running e2e/inspector.spec.ts with LATCHKEY_UPDATE_SCREENSHOT=1 (which starts
// the playground on its default ports, as `npm run test:e2e` does). e2e/inspector.spec.ts fails
// when the inspector no longer matches that outline.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const docs = fileURLToPath(new URL('../docs', import.meta.url))
const readmeSample = 'docs/samples/readme.ts'
// Committed; written only by `npm run docs:screenshot`, with the outline beside it.
const screenshot = 'docs/public/flow-inspector.png'
const DEFAULT_DEV_PORT = 5280
const windows = process.platform === 'win32'
const npm = windows ? 'npm.cmd' : 'npm'
const npx = windows ? 'npx.cmd' : 'npx'
const mode = process.argv[2]
if (mode !== 'build' && mode !== 'dev' && mode !== 'screenshot') {
  console.error('usage: node scripts/docs.mjs build | dev [--port N] | screenshot')
  process.exit(2)
}

/** docs:dev's port: `--port N` (or `--port=N`), else LATCHKEY_DOCS_PORT, else 5280. */
function devPort() {
  const args = process.argv.slice(3)
  const at = args.findIndex((arg) => arg === '--port' || arg.startsWith('--port='))
  const text =
    at === -1
      ? process.env.LATCHKEY_DOCS_PORT || String(DEFAULT_DEV_PORT)
      : args[at].includes('=')
        ? args[at].slice('--port='.length)
        : args[at + 1]
  const port = Number(text)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`docs: --port (or LATCHKEY_DOCS_PORT) must be a port number, got "${text}"`)
    process.exit(2)
  }
  return port
}

/** Runs a script of docs/package.json, echoing its output; resolves with that output. */
function run(script, { check = true, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
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
function runInRoot(command, args, env = {}) {
  console.log(
    `$ ${[...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args].join(' ')}`,
  )
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    })
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

/** The flow inspector's screenshot is committed; building the docs never takes it. */
function checkScreenshot() {
  if (!existsSync(new URL(`../${screenshot}`, import.meta.url))) {
    throw new Error(
      `docs: ${screenshot} is missing. It is committed: restore it from git, or take it again with \`npm run docs:screenshot\` (which runs the playground on its default ports).`,
    )
  }
}

/** `npm run docs:screenshot`: the one way the screenshot and its outline are written. */
async function takeScreenshot() {
  await runInRoot(process.execPath, ['scripts/ensure-browser.mjs'])
  await runInRoot(
    npx,
    ['playwright', 'test', 'e2e/inspector.spec.ts', '--grep', 'lists a sign-in'],
    {
      LATCHKEY_UPDATE_SCREENSHOT: '1',
    },
  )
  console.log(`docs: wrote ${screenshot} and its outline; commit both`)
}

const started = performance.now()
try {
  if (mode === 'screenshot') {
    await takeScreenshot()
    process.exit(0)
  }
  if (mode === 'build') checkReadmeSample()
  checkScreenshot()
  const port = mode === 'dev' ? devPort() : undefined
  await run('api')
  if (mode === 'dev') {
    await run('dev', { check: false, args: ['--port', String(port)] })
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
