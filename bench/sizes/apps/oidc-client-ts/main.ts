// The bundle-size app for oidc-client-ts (bench/sizes/measure.mjs): the same five steps in every
// SDK's app. Sign in by redirect, handle the callback (or restore the session), get an access
// token and call an API with it, sign out.
import { UserManager } from 'oidc-client-ts'

const show = (id: string, text: string) => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}
const onClick = (id: string, handler: () => unknown) =>
  document.getElementById(id)?.addEventListener('click', handler)

const userManager = new UserManager({
  authority: 'https://id.example.com',
  client_id: 'spa',
  redirect_uri: `${location.origin}/callback`,
  post_logout_redirect_uri: `${location.origin}/`,
  scope: 'openid profile offline_access',
})

onClick('login', () => userManager.signinRedirect())
onClick('call', async () => {
  // A valid access token: the stored one, renewed first when it has expired.
  let user = await userManager.getUser()
  if (user?.expired) user = await userManager.signinSilent()
  const response = await fetch('https://api.example.com/me', {
    headers: { authorization: `Bearer ${user?.access_token}` },
  })
  show('out', await response.text())
})
onClick('logout', () => userManager.signoutRedirect())

if (location.pathname === '/callback') {
  await userManager.signinCallback()
  history.replaceState(null, '', '/')
}
const user = await userManager.getUser() // the stored session, if any
show('status', user && !user.expired ? 'authenticated' : 'unauthenticated')
