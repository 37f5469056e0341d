// The flow inspector (@latchkey/devtools, as the demos use it), in the React demo: a redirect
// sign-in and an API call listed step by step across the round trip to the authorization server,
// with every secret of the flow shortened, on screen and at rest, and nothing of a form an app
// sends to its own API.
// Also checks that the docs' committed screenshot of the panel still shows it: the outline beside it
// (docs/public/flow-inspector.outline.txt: the panel's elements, their labels and a digest of their
// computed styles at the moment of the screenshot) must be the panel's now. With
// LATCHKEY_UPDATE_SCREENSHOT=1 (`npm run docs:screenshot`) it writes both instead.
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, type Locator, type Page, test } from '@playwright/test'
import { API, consentAt, expectInspectorSteps, ISSUER, SIGN_IN_STEPS } from './playground.js'

const REACT_APP = 'http://localhost:5174'
const SCREENSHOT = fileURLToPath(new URL('../docs/public/flow-inspector.png', import.meta.url))
const OUTLINE = fileURLToPath(new URL('../docs/public/flow-inspector.outline.txt', import.meta.url))
const UPDATE_SCREENSHOT = process.env.LATCHKEY_UPDATE_SCREENSHOT === '1'

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
  const outline = await panelOutline(panel)
  if (UPDATE_SCREENSHOT) {
    await panel.screenshot({ path: SCREENSHOT })
    writeFileSync(OUTLINE, outline)
  } else {
    // Soft: the checks of secrets below still run when the screenshot is only out of date.
    expect
      .soft(
        outline,
        'the flow inspector no longer looks as docs/public/flow-inspector.png shows it (its outline, ' +
          'docs/public/flow-inspector.outline.txt, differs): run `npm run docs:screenshot` and commit both files',
      )
      .toBe(readFileSync(OUTLINE, 'utf8'))
  }

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
 * What the screenshot shows, as text that is the same at every run: each element of the panel
 * (tag, classes, `data-step`, role and ARIA label), its own text when it is a label (letters and
 * punctuation only: no times, counts, user ids or shortened secrets, which change every run, and
 * not the values of tables and JWTs), and a digest of the computed styles of every element, so a
 * change of the markup, the words or the CSS shows.
 */
async function panelOutline(panel: Locator): Promise<string> {
  const { lines, styles } = await panel.evaluate((root) => {
    const LABEL = /^[\p{L} ,:;'’()·.-]+$/u
    const PROPERTIES = [
      'display',
      'position',
      'color',
      'background-color',
      'font-family',
      'font-size',
      'font-weight',
      'font-style',
      'line-height',
      'text-transform',
      'padding',
      'margin',
      'border-top',
      'border-right',
      'border-bottom',
      'border-left',
      'border-radius',
      'gap',
      'grid-template-columns',
      'flex-direction',
      'list-style-type',
      'white-space',
      'overflow',
      'visibility',
      'opacity',
    ]
    const lines: string[] = []
    const styles: string[] = []
    const walk = (node: Element, depth: number) => {
      const classes = [...node.classList].sort().map((name) => `.${name}`)
      const attributes = ['data-step', 'role', 'aria-label', 'open']
        .filter((name) => node.hasAttribute(name))
        .map((name) => `[${name}=${node.getAttribute(name)}]`)
      const inValue = node.closest('td, pre, .fi-url') !== null
      const own = [...node.childNodes]
        .filter((child) => child.nodeType === Node.TEXT_NODE)
        .map((child) => (child.textContent ?? '').trim())
        .filter((text) => text !== '' && !inValue && LABEL.test(text))
      lines.push(
        `${'  '.repeat(depth)}${node.tagName.toLowerCase()}${classes.join('')}${attributes.join('')}` +
          own.map((text) => ` "${text}"`).join(''),
      )
      const computed = getComputedStyle(node)
      styles.push(PROPERTIES.map((name) => computed.getPropertyValue(name)).join(';'))
      for (const child of node.children) walk(child, depth + 1)
    }
    walk(root, 0)
    return { lines, styles }
  })
  const digest = createHash('sha256').update(styles.join('\n')).digest('hex').slice(0, 16)
  return [
    '# The flow inspector as docs/public/flow-inspector.png shows it (e2e/inspector.spec.ts).',
    '# Written with the screenshot by `npm run docs:screenshot`; the test fails when it differs.',
    ...lines,
    `computed styles: sha256 ${digest}`,
    '',
  ].join('\n')
}

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
