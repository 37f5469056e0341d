// `npm run playground:side-by-side [base] [base]`: two playgrounds on different ports at once
// (LATCHKEY_PORT_BASE 7000 and 7100 unless given), each answering `npm run m2m -- private_key_jwt`
// with its own service key: the second start must not replace the first one's key file. Stops
// both, and fails unless both journeys succeed and both key files are gone afterwards.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { playgroundPorts } from './ports.js'
import { serviceKeyFile } from './serviceClients.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const bases = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['7000', '7100']
const started: ChildProcess[] = []

/** Starts `npm run dev` (its script, run directly) with `base`; resolves once it is ready. */
function startPlayground(base: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'playground/dev.ts'], {
      cwd: root,
      env: { ...process.env, LATCHKEY_PORT_BASE: base },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    started.push(child)
    let output = ''
    const timer = setTimeout(
      () => reject(new Error(`playground ${base}: not ready in 90 s`)),
      90_000,
    )
    const read = (chunk: Buffer) => {
      output += chunk
      if (output.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer)
        console.log(`playground on base ${base}:${output.slice(output.indexOf('\nLatchkey'))}`)
        resolve(child)
      }
    }
    child.stdout.on('data', read)
    child.stderr.on('data', read)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`playground ${base} exited with ${code}:\n${output}`))
    })
  })
}

/** `npm run m2m -- private_key_jwt` against the playground on `base`; resolves with its output. */
function m2m(base: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'playground/m2m.ts', 'private_key_jwt'],
      { cwd: root, env: { ...process.env, LATCHKEY_PORT_BASE: base }, stdio: 'pipe' },
    )
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    child.on('close', (code) => {
      if (code === 0 && /^HTTP 200/m.test(output)) resolve(output)
      else
        reject(
          new Error(`npm run m2m -- private_key_jwt on base ${base} failed (${code}):\n${output}`),
        )
    })
  })
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

let failed = false
try {
  // One after the other: the second start is what used to replace the first one's key.
  for (const base of bases) await startPlayground(base)
  for (const base of bases) {
    const output = await m2m(base)
    console.log(
      `base ${base}: npm run m2m -- private_key_jwt: ${output.match(/^HTTP 200.*$/m)?.[0]}`,
    )
  }
} catch (error) {
  failed = true
  console.error(error instanceof Error ? error.message : error)
} finally {
  await Promise.all(started.map(stop))
}
for (const base of bases) {
  const file = serviceKeyFile(playgroundPorts({ LATCHKEY_PORT_BASE: base }).auth)
  if (existsSync(file)) {
    failed = true
    console.error(`the playground on base ${base} left its key file ${file} behind`)
  }
}
console.log(failed ? 'side by side: FAILED' : `side by side: ${bases.join(' and ')} passed`)
process.exit(failed ? 1 : 0)
