import { type AuthState, createAuth } from '@latchkey/core'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
  apiOrigins: ['https://api.example.com'],
})

const status = document.querySelector('#status') as HTMLElement
const loginButton = document.querySelector('#login') as HTMLButtonElement
const logoutButton = document.querySelector('#logout') as HTMLButtonElement
const callApiButton = document.querySelector('#call-api') as HTMLButtonElement

function render(state: AuthState) {
  status.textContent = state.user ? `Signed in as ${state.user.sub}` : state.status
  loginButton.hidden = state.status === 'authenticated'
  logoutButton.hidden = state.status !== 'authenticated'
  if (state.error) status.textContent += ` (${state.error.code}: ${state.error.message})`
}

// On every page load: null unless this page is the callback.
const result = await auth.handleRedirect()
if (result) history.replaceState(null, '', result.returnTo)

auth.subscribe(render) // { status, user, error, expiresAt, ... }
render(auth.getState())

loginButton.onclick = () => auth.login({ returnTo: '/account' })
logoutButton.onclick = () => auth.logout()
callApiButton.onclick = async () => {
  const response = await auth.authFetch('https://api.example.com/me')
  status.textContent = JSON.stringify(await response.json())
}
