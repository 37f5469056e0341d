// Makes sure a Chromium exists for the browser tests, installing one when the machine has none.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findChromium } from './browser.mjs'

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`)
  execFileSync(command, args, { stdio: 'inherit' })
}

if (findChromium() === undefined) {
  console.log('No Chromium found for the browser tests; installing one.')
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  try {
    if (isRoot && existsSync('/usr/bin/apt-get')) {
      // Playwright's own download is blocked on some networks; Debian's package is not.
      run('apt-get', ['update'])
      run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'])
    } else {
      run('npx', ['playwright', 'install', 'chromium'])
    }
  } catch {
    // Reported below.
  }
  if (findChromium() === undefined) {
    console.error(
      'Could not install Chromium. Install it yourself (`npx playwright install chromium`, or `apt-get install chromium`), or set CHROMIUM_PATH to a Chromium binary.',
    )
    process.exit(1)
  }
}
const found = findChromium()
console.log(`Browser tests use ${found?.executablePath ?? "Playwright's bundled Chromium"}.`)
