// `npm run packages`: builds the five packages from a clean dist/ (each with its
// tsconfig.build.json), packs each with `npm pack`, and checks the tarball the way a user gets it:
// publint --strict, arethetypeswrong (ESM-only profile), and a README plus the repository's LICENSE
// inside. Prints one line per package; exits 1 on any problem. core is built first (the others
// compile against its dist/), then the other four build and check in parallel.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
const attwManifest = require.resolve('@arethetypeswrong/cli/package.json')
const attw = join(dirname(attwManifest), JSON.parse(readFileSync(attwManifest, 'utf8')).bin.attw)
const PACKAGES = ['core', 'm2m', 'react', 'vue', 'devtools']
/** The documentation link of every README, `homepage` and `repository` (no site yet). */
const DOCS = 'https://github.com/latchkey-auth/latchkey#readme'

const license = await readFile(join(root, 'LICENSE'), 'utf8')
const packDir = await mkdtemp(join(tmpdir(), 'latchkey-packages-'))
let failed = false

/** Runs a command; on failure, the error carries its output. */
async function exec(file, args, options = {}) {
  try {
    return await run(file, args, { cwd: root, maxBuffer: 64 * 1024 * 1024, ...options })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    throw new Error(`${[file, ...args].join(' ')} failed${output ? `:\n${output}` : ''}`)
  }
}

async function build(name) {
  const dir = join(root, 'packages', name)
  await rm(join(dir, 'dist'), { recursive: true, force: true })
  await exec(process.execPath, [tsc, '-p', join(dir, 'tsconfig.build.json')])
}

/** Packs, checks, and returns what to print; throws with every problem found. */
async function check(name) {
  const dir = join(root, 'packages', name)
  const problems = []
  const [{ stdout }, packageLicense] = await Promise.all([
    exec('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], {
      cwd: dir,
    }),
    readFile(join(dir, 'LICENSE'), 'utf8').catch(() => null),
  ])
  const [packed] = JSON.parse(stdout)
  const tarball = join(packDir, packed.filename)
  const files = new Set(packed.files.map((file) => file.path))
  if (!files.has('README.md')) problems.push('the tarball has no README.md')
  if (!files.has('LICENSE')) problems.push('the tarball has no LICENSE')
  if (packageLicense !== license) problems.push(`packages/${name}/LICENSE differs from LICENSE`)
  for (const file of files) {
    if (/\.test\.tsx?$|__tests__/.test(file)) problems.push(`the tarball holds the test ${file}`)
  }
  problems.push(...(await manifestProblems(dir)))

  const data = await readFile(tarball)
  const [lint, types] = await Promise.all([
    publint({
      strict: true,
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
    }),
    exec(process.execPath, [
      attw,
      tarball,
      '--profile',
      'esm-only',
      '--format',
      'table-flipped',
      '--no-emoji',
    ])
      .then(() => null)
      .catch((error) => error.message),
  ])
  for (const message of lint.messages) {
    problems.push(`publint ${message.type}: ${formatMessage(message, lint.pkg, { color: false })}`)
  }
  if (types) problems.push(`arethetypeswrong:\n${types}`)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`
  return `${packed.entryCount} files, ${kB(packed.size)} packed (${kB(packed.unpackedSize)}); publint --strict, attw esm-only, README, LICENSE ok`
}

/** What the issue asks of every package.json and README beyond publint's rules. */
async function manifestProblems(dir) {
  const problems = []
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
  const readme = await readFile(join(dir, 'README.md'), 'utf8').catch(() => '')
  if (manifest.type !== 'module') problems.push('package.json: "type" is not "module"')
  if (manifest.sideEffects !== false) problems.push('package.json: "sideEffects" is not false')
  if (!Array.isArray(manifest.files)) problems.push('package.json: no "files" list')
  if (manifest.license !== 'MIT' || !license.startsWith('MIT License')) {
    problems.push('package.json: "license" is not the MIT of LICENSE')
  }
  if (manifest.homepage !== DOCS) problems.push(`package.json: "homepage" is not ${DOCS}`)
  if (!String(manifest.repository?.url).includes('github.com/latchkey-auth/latchkey')) {
    problems.push('package.json: "repository" is not the latchkey repository')
  }
  if (!readme.includes(DOCS)) problems.push(`README.md: no link to ${DOCS}`)
  if (!readme.includes(`npm install ${manifest.name}`)) problems.push('README.md: no install line')
  for (const [path, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target === 'object' && Object.keys(target)[0] !== 'types') {
      problems.push(`package.json: exports["${path}"] does not list "types" first`)
    }
  }
  return problems
}

async function one(name, built) {
  const started = performance.now()
  try {
    await built
    const summary = await check(name)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(`ok    @latchkey/${name.padEnd(8)} ${seconds.padStart(5)} s  ${summary}`)
  } catch (error) {
    failed = true
    console.log(`FAIL  @latchkey/${name}\n${error instanceof Error ? error.message : error}`)
  }
}

try {
  const core = build('core')
  // The others compile against core's dist/; when it fails, only core reports it.
  const afterCore = core.then(
    () => true,
    () => false,
  )
  await Promise.all(
    PACKAGES.map((name) =>
      name === 'core'
        ? one(name, core)
        : afterCore.then((ok) => (ok ? one(name, build(name)) : undefined)),
    ),
  )
} finally {
  await rm(packDir, { recursive: true, force: true })
}
if (failed) process.exitCode = 1
