// createAuth() on a server (plain Node, no window), as a Next.js or Nuxt module calls it.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const index = fileURLToPath(new URL('../index.ts', import.meta.url))

// Runs in a child process so that anything left open (a BroadcastChannel, a timer) keeps it
// alive: the process must exit by itself, well before the timeout.
const script = `
const { createAuth } = await import(${JSON.stringify(index)})
const auth = createAuth({ issuer: 'https://id.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/callback' })
const states = []
auth.subscribe((state) => states.push(state.status))
const codes = []
for (const call of [
  () => auth.login(),
  () => auth.handleRedirect('https://app.example.com/callback?code=c&state=s'),
  () => auth.getAccessToken(),
  () => auth.authFetch('https://app.example.com/api'),
  () => auth.logout(),
]) {
  codes.push(await call().then(() => 'resolved', (error) => error.code))
}
console.log(JSON.stringify({ status: auth.getState().status, states, codes }))
`

it('is inert on a server: state loading, methods reject with browser_required, process exits', () => {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    { encoding: 'utf8', timeout: 20_000 },
  )
  expect(child.signal).toBeNull() // not killed by the timeout: nothing kept it alive
  expect(child.stderr).toBe('') // no storage warning, nothing else
  expect(child.status).toBe(0)
  expect(JSON.parse(child.stdout)).toEqual({
    status: 'loading',
    states: [],
    codes: Array(5).fill('browser_required'),
  })
})
