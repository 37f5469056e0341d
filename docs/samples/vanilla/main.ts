import { type AuthError, createAuth } from '@latchkey/core'

// The playground's values (`npm run dev`, started with this app's origin allowed, e.g.
// `LATCHKEY_EXTRA_ORIGINS=http://localhost:3000 npm run dev`). For your own provider, see the
// providers guide; `scope` must include what your API checks (the playground's API: api:read).
const API = 'http://localhost:4001'
const auth = createAuth({
  issuer: 'http://localhost:4000',
  clientId: 'latchkey-spa',
  redirectUri: `${window.location.origin}/callback`,
  scope: 'openid profile email offline_access api:read',
  resource: API,
  apiOrigins: [API],
})

// On every page load: `null` unless this page is the callback, where a failed sign-in rejects.
let failed: AuthError | undefined
try {
  const result = await auth.handleRedirect()
  if (result) history.replaceState(null, '', result.returnTo)
} catch (error) {
  failed = error as AuthError
}

const page = document.querySelector('#page') as HTMLElement

/** An element with text (never HTML: what the server sends may hold markup) and children. */
function el(tag: string, text = '', ...children: HTMLElement[]): HTMLElement {
  const element = document.createElement(tag)
  element.textContent = text
  element.append(...children)
  return element
}
function button(text: string, onClick: () => void): HTMLElement {
  const element = el('button', text)
  element.onclick = onClick
  return element
}

// The page for the current path: a home page, the callback, and an account page that needs a
// signed-in user.
function render(): void {
  const { status, user } = auth.getState()
  const path = window.location.pathname
  if (status === 'loading') {
    page.replaceChildren(el('p', 'Loading…'))
  } else if (path === '/callback') {
    const words =
      failed?.code === 'authorization_denied'
        ? 'The sign-in was cancelled or refused. '
        : 'The sign-in did not complete. '
    const alert = el('p', words, Object.assign(el('a', 'Back to the start'), { href: '/' }))
    alert.setAttribute('role', 'alert')
    page.replaceChildren(failed ? alert : el('p', 'Signing in…'))
  } else if (status !== 'authenticated') {
    if (path === '/account') void auth.login({ returnTo: '/account' })
    else page.replaceChildren(button('Sign in', () => auth.login({ returnTo: '/account' })))
  } else if (path === '/account') {
    const answer = el('output')
    page.replaceChildren(
      el('p', `Hello, ${user?.sub}.`),
      button('Call the API', async () => {
        const response = await auth.authFetch(`${API}/api/me`)
        answer.textContent = `HTTP ${response.status}: ${await response.text()}`
      }),
      answer,
      button('Sign out', () => auth.logout()),
    )
  } else {
    const link = Object.assign(el('a', 'Your account'), { href: '/account' })
    page.replaceChildren(el('p', `Signed in as ${user?.sub}. `, link))
  }
}
auth.subscribe(render) // { status, user, error, expiresAt, ... }
render()
