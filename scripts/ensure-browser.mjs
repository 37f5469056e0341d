// Makes sure the browsers of the browser tests exist, installing what the machine lacks: Chromium
// always; with --engines also Firefox and WebKit for the engine journeys (e2e/engines.spec.ts).
// On Debian as root, from Debian's packages (Playwright's downloads are blocked on some networks,
// Debian's are not), in one apt-get call; elsewhere with `npx playwright install`. What is still
// missing afterwards fails the run, naming it: no engine's journeys are ever skipped.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { findEngine } from './browser.mjs'

const engines = process.argv.includes('--engines')
  ? ['chromium', 'firefox', 'webkit']
  : ['chromium']

function run(command, args) {
  console.log(`$ ${command} ${args.join(' ')}`)
  execFileSync(command, args, { stdio: 'inherit' })
}

const missing = engines.filter((name) => findEngine(name).missing)
if (missing.length > 0) {
  console.log(`Not on this machine for the browser tests: ${missing.join(', ')}; installing.`)
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const started = performance.now()
  try {
    if (isRoot && existsSync('/usr/bin/apt-get')) {
      const packages = [...new Set(missing.map((name) => findEngine(name).missing?.debian))]
      // WebKit's MiniBrowser needs a display: xvfb comes with it unless there is one; and Mesa's
      // software renderer, which WebKitGTK only recommends (apt-get runs without recommends).
      if (missing.includes('webkit')) {
        packages.push('libgl1-mesa-dri')
        if (!process.env.DISPLAY) packages.push('xvfb')
      }
      run('apt-get', ['update'])
      run('apt-get', ['install', '-y', '--no-install-recommends', ...new Set(packages)])
    } else {
      run('npx', ['playwright', 'install', ...missing])
    }
  } catch {
    // Reported below.
  }
  console.log(`Installed in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
}
let failed = false
for (const name of engines) {
  const found = findEngine(name)
  if (found.missing) {
    failed = true
    console.error(
      `No ${name} for the browser tests: ${found.missing.what} is missing. Install Debian's ${found.missing.debian} (apt-get install ${found.missing.debian}) or Playwright's own (npx playwright install ${name})${name === 'chromium' ? ', or set CHROMIUM_PATH to a Chromium binary' : ''}.`,
    )
  } else {
    console.log(`Browser tests: ${name} via ${found.via}.`)
  }
}
if (failed) process.exit(1)
