#!/usr/bin/env node
// `latchkey-token`: runs the built CLI (dist/cli.js) in an installed package; in the Latchkey
// workspace, where nothing is built, runs src/cli.ts through tsx with the "source" condition.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const built = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

let tsx
try {
  tsx = import.meta.resolve('tsx')
} catch {
  tsx = undefined
}

if (existsSync(source) && tsx !== undefined) {
  const result = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  )
  process.exitCode = result.status ?? 1
} else {
  await import(built)
}
