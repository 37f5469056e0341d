// @latchkey/vue on a server: importing it and rendering with it touch no browser API.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const app = fileURLToPath(new URL('./ssrApp.ts', import.meta.url))
const cwd = fileURLToPath(new URL('../..', import.meta.url))

it('imports in plain Node and server-renders a guarded route in the loading state', () => {
  // A child process: plain Node, no happy-dom, and it must exit by itself (nothing left open).
  const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', app], {
    cwd,
    encoding: 'utf8',
    timeout: 20_000,
  })
  expect(child.signal).toBeNull()
  expect(child.stderr).toBe('')
  expect(child.status).toBe(0)
  expect(JSON.parse(child.stdout)).toEqual({
    html: '<p>loading true nobody</p>',
    route: '/account',
    added: [],
  })
})
