// The demos' flow inspector (playground/inspector), in the React demo: a redirect sign-in and an API
// call listed step by step across the round trip to the authorization server, with every secret
// of the flow shortened, on screen and at rest, and nothing of a form an app sends to its own API.
// Also makes the docs' screenshot of the panel.
import { fileURLToPath } from 'node:url'
import { expect, type Page, test } from '@playwright/test'
import { API, consentAt, expectInspectorSteps, ISSUER, SIGN_IN_STEPS } from './playground.js'

const REACT_APP = 'http://localhost:5174'
const SCREENSHOT = fileURLToPath(new URL('../docs/public/flow-inspector.png', import.meta.url))

// Narrower than 84rem: the panel sits below the app, at its full height, for the screenshot.
test.use({ viewport: { width: 1000, height: 800 } })

test('the flow inspector lists a sign-in and an API call in order, never a secret whole', async ({
  page,
}) => {
  const user = `inspector-${Date.now()}`
  const secrets = captureSecrets(page)
  await recordSessionStorageAtLoad(page)
  const panel = page.getByRole('region', { name: 'Flow inspector' })

  await page.goto(`${REACT_APP}/`)
  await expect(panel.getByRole('heading', { name: 'Flow inspector' })).toBeVisible()
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, user, REACT_APP)
  await expect(page.getByTestId('status')).toHaveText('authenticated')

  await expectInspectorSteps(page, SIGN_IN_STEPS)
  // The ID token, decoded, with a countdown to its expiry that moves on its own.
  const idToken = panel.locator('[data-step=token_response] details', { hasText: 'id_token' })
  const countdown = idToken.getByText(/^expires in \d+:\d\d$/)
  await expect(countdown).toBeVisible()
  const before = await countdown.textContent()
  await expect.poll(() => countdown.textContent(), { timeout: 3000 }).not.toBe(before)
  await idToken.locator('summary').click()
  await expect(idToken.getByText(`"sub": "${user}"`)).toBeVisible()
  await panel.screenshot({ path: SCREENSHOT })

  await page.getByTestId('protected-link').click()
  await page.getByTestId('call-api').click()
  await expect(page.getByTestId('api-result')).toContainText('HTTP 200')
  await expectInspectorSteps(page, [...SIGN_IN_STEPS, 'api_request', 'api_response'])

  // A reload: the steps cross it in sessionStorage, as they crossed the trip to the server.
  await page.reload()
  await expect(page.getByTestId('claims')).toContainText(user)
  await expectInspectorSteps(page, ['tokens_validated', 'api_request', 'api_response'])

  const found = await secrets.all()
  expect(Object.keys(found)).toEqual(
    expect.arrayContaining(['code', 'state', 'code_verifier', 'access_token', 'refresh_token']),
  )
  expect(found.id_token).toEqual(expect.any(String))
  const onScreen = await panel.evaluate((node) => ({
    text: node.textContent ?? '',
    html: node.outerHTML,
  }))
  const atRest = await page.evaluate(() => ({
    // What the last page left for this one (the inspector takes it as it starts)...
    atLoad: (window as unknown as { sessionStorageAtLoad: string }).sessionStorageAtLoad,
    // ...and what sits there while the page is open.
    now: Object.entries(sessionStorage).join('\n'),
  }))
  expect(atRest.atLoad, 'the steps crossed the reload in sessionStorage').toContain(
    '"step":"api_response"',
  )
  for (const [name, secret] of Object.entries(found)) {
    expect(onScreen.text, `the panel shows the ${name} whole`).not.toContain(secret)
    expect(onScreen.html, `the panel's markup holds the ${name} whole`).not.toContain(secret)
    expect(atRest.atLoad, `sessionStorage held the ${name} whole`).not.toContain(secret)
    expect(atRest.now, `sessionStorage holds the ${name} whole`).not.toContain(secret)
  }
  // The values are there, shortened: the checks above read the right text.
  const code = found.code as string
  expect(onScreen.text).toContain(`${code.slice(0, 6)}…${code.slice(-4)}`)
})

/**
 * The flow's secrets as they travel: the code and state in the callback URL, the verifier and
 * DPoP proof in the token request, the tokens in its response, the API call's proof.
 */
function captureSecrets(page: Page): { all(): Promise<Record<string, string>> } {
  const found: Record<string, string> = {}
  const reading: Array<Promise<void>> = []
  const keep = (name: string, value: string | null | undefined) => {
    if (value) found[name] = value
  }
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.origin === REACT_APP && url.pathname === '/callback') {
      keep('code', url.searchParams.get('code'))
      keep('state', url.searchParams.get('state'))
    } else if (request.url() === `${ISSUER}/token` && request.method() === 'POST') {
      keep('code_verifier', new URLSearchParams(request.postData() ?? '').get('code_verifier'))
      keep('token request DPoP proof', request.headers().dpop)
    } else if (url.origin === API && url.pathname === '/api/me') {
      keep('API call DPoP proof', request.headers().dpop)
    }
  })
  page.on('response', (response) => {
    if (response.url() !== `${ISSUER}/token` || response.status() !== 200) return
    reading.push(
      response.json().then((body: Record<string, unknown>) => {
        for (const name of ['access_token', 'refresh_token', 'id_token']) {
          const value = body[name]
          if (typeof value === 'string') keep(name, value)
        }
      }),
    )
  })
  return {
    async all() {
      await Promise.all(reading)
      return found
    },
  }
}

/** Keeps a copy of sessionStorage as each page starts, before any of its scripts runs. */
async function recordSessionStorageAtLoad(page: Page): Promise<void> {
  await page.addInitScript(() => {
    Object.assign(window, { sessionStorageAtLoad: Object.entries(sessionStorage).join('\n') })
  })
}

test('the flow inspector never shows, nor keeps, the form an app sends to its API through authFetch', async ({
  page,
}) => {
  const SPA = 'http://localhost:5173'
  // A password change, sent as a form, as an account page would send it.
  const form = { current_password: 'correct-horse-battery', new_password: 'Tr0ub4dor-staple-42' }
  await recordSessionStorageAtLoad(page)
  await page.goto(`${SPA}/`)
  await page.getByTestId('login').click()
  await page.waitForURL(`${ISSUER}/**`)
  await consentAt(page, `inspector-form-${Date.now()}`, SPA)
  await expect(page.getByTestId('status')).toHaveText('authenticated')

  const status = await page.evaluate(
    async ({ url, fields }) => {
      const response = await window.latchkey.authFetch(url, {
        method: 'POST',
        body: new URLSearchParams(fields),
      })
      return response.status
    },
    { url: `${API}/api/me`, fields: form },
  )
  expect(status).toBeGreaterThan(0)
  await expectInspectorSteps(page, [...SIGN_IN_STEPS, 'api_request', 'api_response'])
  // The sign-in's own form, at the server's token endpoint, is still shown.
  const panel = page.getByRole('region', { name: 'Flow inspector' })
  await expect(panel.locator('[data-step=token_request]')).toContainText('authorization_code')

  // A reload carries the steps across in sessionStorage.
  await page.reload()
  await expect(page.getByTestId('status')).toHaveText('authenticated')
  await expectInspectorSteps(page, ['api_request', 'api_response'])
  const onScreen = (await panel.textContent()) ?? ''
  const atLoad = await page.evaluate(
    () => (window as unknown as { sessionStorageAtLoad: string }).sessionStorageAtLoad,
  )
  expect(atLoad, 'the steps crossed the reload in sessionStorage').toContain('"step":"api_request"')
  for (const [name, value] of Object.entries(form)) {
    expect(onScreen, `the panel shows ${name}`).not.toContain(value)
    expect(atLoad, `sessionStorage held ${name}`).not.toContain(value)
    expect(atLoad, `sessionStorage held the field ${name}`).not.toContain(name)
  }
})
