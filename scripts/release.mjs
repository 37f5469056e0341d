// `npm run release`: publishes the public packages under packages/ as this commit has them, in one
// reviewed command (their versions and changelogs come from `npm run version-packages` first).
// Refuses to start on a dirty git tree, with changesets not yet versioned, or (except with
// --dry-run) off the base branch of .changeset/config.json; stops there when the registry has
// every version already. Then:
//   1. `npm run packages`: builds every dist/ and checks the tarballs (publint, arethetypeswrong)
//   2. `pnpm pack` of each public package into one folder (it turns `workspace:*` into the real
//      versions); each tarball must hold a CHANGELOG.md with an entry for its version
//   3. `npm run consumers` against exactly those tarballs (LATCHKEY_TARBALLS=<folder>)
//   4. `npm publish <tarball> --access public` for each version not yet on the registry,
//      dependencies first, then a git tag `<name>@<version>` (push with `git push --follow-tags`)
// `--dry-run` does all of that but passes --dry-run to npm publish and tags nothing.
// Prints the time of every step; removes the folder of tarballs at the end, also on failure.
import { execFile, spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const PNPM = '12.21.0'
const USAGE = 'Usage: npm run release [-- --dry-run]'

const args = process.argv.slice(2)
const dryRun = args.includes('--dry-run')
const unknown = args.filter((arg) => arg !== '--dry-run')
if (unknown.length > 0) {
  console.error(`unknown argument ${unknown.join(' ')}\n${USAGE}`)
  process.exit(2)
}

const started = performance.now()
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`

/** Runs a command and returns its output; on failure, the error carries that output. */
async function exec(file, argv, options = {}) {
  try {
    return await run(file, argv, { cwd: root, maxBuffer: 64 * 1024 * 1024, ...options })
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim()
    const failure = new Error(`${[file, ...argv].join(' ')} failed${output ? `:\n${output}` : ''}`)
    failure.result = error
    throw failure
  }
}

/** Runs a command with the terminal (its output shows as it comes; npm can ask for a one-time password). */
function attached(file, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd: root, stdio: 'inherit', ...options })
    child.once('error', reject)
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${[file, ...argv].join(' ')} failed (${signal ?? `exit ${code}`})`)),
    )
  })
}

/** Runs `action` as one timed step and prints its duration. */
async function step(what, action) {
  const since = performance.now()
  const result = await action()
  console.log(`release ${what.padEnd(52)} ${seconds(since).padStart(7)}`)
  return result
}

const readJson = async (path) => JSON.parse(await readFile(path, 'utf8'))

/** `pnpm`, or pnpm through npx when it is not on the PATH. */
async function pnpmCommand() {
  try {
    await exec('pnpm', ['--version'])
    return ['pnpm']
  } catch {
    return ['npx', '-y', `pnpm@${PNPM}`]
  }
}

/** Throws unless git has nothing to commit: the tarballs must be this commit's files. */
async function expectCleanTree(when) {
  const { stdout } = await exec('git', ['status', '--porcelain'])
  if (stdout.trim()) {
    throw new Error(
      `the git tree is not clean ${when}; commit or remove first:\n${stdout.trimEnd()}`,
    )
  }
}

/** Every package.json under packages/ that is not private, each package after its dependencies. */
async function publicPackages() {
  const found = new Map()
  for (const entry of await readdir(join(root, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const dir = join(root, 'packages', entry.name)
    const manifest = await readJson(join(dir, 'package.json')).catch(() => null)
    if (manifest && !manifest.private) found.set(manifest.name, { dir, manifest })
  }
  const ordered = []
  const visiting = new Set()
  const visit = (name) => {
    const pkg = found.get(name)
    if (!pkg || ordered.includes(pkg)) return
    if (visiting.has(name)) throw new Error(`the packages depend on each other in a cycle: ${name}`)
    visiting.add(name)
    const { dependencies, peerDependencies, optionalDependencies } = pkg.manifest
    for (const dependency of Object.keys({
      ...dependencies,
      ...peerDependencies,
      ...optionalDependencies,
    })) {
      visit(dependency)
    }
    ordered.push(pkg)
  }
  for (const name of [...found.keys()].sort()) visit(name)
  return ordered
}

/** Whether the registry has this version already (a 404 means not; any other failure throws). */
async function published(name, version) {
  try {
    const { stdout } = await exec('npm', ['view', `${name}@${version}`, 'version', '--json'])
    return stdout.trim() !== ''
  } catch (error) {
    if (/\bE404\b/.test(error.message)) return false
    throw error
  }
}

/** Packs one package into `dir` and checks what the registry would get; returns the tarball's path. */
async function pack(pnpm, { dir: packageDir, manifest }, dir) {
  const [file, ...pnpmArgs] = pnpm
  const { stdout } = await exec(file, [...pnpmArgs, 'pack', '--pack-destination', dir, '--json'], {
    cwd: packageDir,
  })
  const { filename, files } = JSON.parse(stdout)
  const paths = files.map((entry) => entry.path)
  const id = `${manifest.name}@${manifest.version}`
  for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    if (!paths.includes(required)) throw new Error(`the packed ${id} has no ${required}`)
  }
  const read = async (path) =>
    (await exec('tar', ['-xOzf', filename, `package/${path}`])).stdout.toString()
  const changelog = await read('CHANGELOG.md')
  if (!changelog.split('\n').includes(`## ${manifest.version}`)) {
    throw new Error(`the packed ${id} has no "## ${manifest.version}" in its CHANGELOG.md`)
  }
  const packed = JSON.parse(await read('package.json'))
  const { dependencies, peerDependencies, optionalDependencies } = packed
  for (const [dependency, range] of Object.entries({
    ...dependencies,
    ...peerDependencies,
    ...optionalDependencies,
  })) {
    if (range.startsWith('workspace:')) {
      throw new Error(`the packed ${id} depends on ${dependency}@${range}`)
    }
  }
  return filename
}

const work = await mkdtemp(join(tmpdir(), 'latchkey-release-'))
const cleanUp = () => rmSync(work, { recursive: true, force: true })
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanUp()
    process.exit(130)
  })
}

let failed = false
try {
  const packages = await step('git tree clean, no pending changesets', async () => {
    await expectCleanTree('before the release')
    const pending = (await readdir(join(root, '.changeset'))).filter(
      (file) => file.endsWith('.md') && file !== 'README.md',
    )
    if (pending.length > 0) {
      throw new Error(
        `changesets not yet versioned (${pending.join(', ')}): run \`npm run version-packages\`, review and commit first`,
      )
    }
    const { baseBranch } = await readJson(join(root, '.changeset', 'config.json'))
    const { stdout: branch } = await exec('git', ['rev-parse', '--abbrev-ref', 'HEAD'])
    if (branch.trim() !== baseBranch) {
      if (!dryRun) {
        throw new Error(`on ${branch.trim()}, not ${baseBranch}: release from ${baseBranch}`)
      }
      console.log(`release (on ${branch.trim()}, not ${baseBranch}: fine for a dry run only)`)
    }
    return publicPackages()
  })
  const ids = packages.map(({ manifest }) => `${manifest.name}@${manifest.version}`)
  const fresh = await step(`registry: which of ${packages.length} versions are new`, async () => {
    const onRegistry = await Promise.all(
      packages.map(({ manifest }) => published(manifest.name, manifest.version)),
    )
    return packages.filter((_, index) => !onRegistry[index])
  })
  console.log(`release packages: ${ids.join(', ')}`)
  if (fresh.length === 0) {
    console.log('release every version is on the registry already: nothing to publish')
  } else {
    console.log(
      `release to publish${dryRun ? ' (dry run)' : ''}: ${fresh.map(({ manifest }) => `${manifest.name}@${manifest.version}`).join(', ')}`,
    )
    await step('npm run packages (build, publint, arethetypeswrong)', () =>
      attached('npm', ['run', '--silent', 'packages']),
    )
    const dir = join(work, 'tarballs')
    const pnpm = await pnpmCommand()
    const tarballs = await step(`pnpm pack (${packages.length} packages)`, () =>
      Promise.all(packages.map((pkg) => pack(pnpm, pkg, dir))),
    )
    await expectCleanTree('after the build')
    await step('npm run consumers (these tarballs)', () =>
      attached('npm', ['run', '--silent', 'consumers'], {
        env: { ...process.env, LATCHKEY_TARBALLS: dir },
      }),
    )
    for (const pkg of fresh) {
      const { name, version } = pkg.manifest
      const tarball = tarballs[packages.indexOf(pkg)]
      const flags = ['--access', 'public', ...(dryRun ? ['--dry-run'] : [])]
      await step(`npm publish ${basename(tarball)} ${flags.join(' ')}`, () =>
        attached('npm', ['publish', tarball, ...flags]),
      )
      if (!dryRun) {
        await exec('git', ['tag', '-a', `${name}@${version}`, '-m', `${name}@${version}`])
      }
    }
    if (!dryRun) console.log('release tagged; push the tags: git push --follow-tags')
  }
} catch (error) {
  failed = true
  console.error(`FAIL ${error instanceof Error ? error.message : error}`)
} finally {
  cleanUp()
}
console.log(
  `release${dryRun ? ' (dry run)' : ''}: ${failed ? 'FAILED' : 'ok'} in ${seconds(started)}`,
)
if (failed) process.exitCode = 1
