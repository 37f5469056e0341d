import { createAuth } from '@latchkey/core'

const auth = createAuth({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: 'https://app.example.com/callback',
  apiOrigins: ['https://api.example.com'],
})
const result = await auth.handleRedirect() // on every page load: null unless this is the callback
if (result) history.replaceState(null, '', result.returnTo)
auth.subscribe((state) => console.log(state.status, state.user?.sub)) // render the state here

export const signIn = () => auth.login({ returnTo: '/account' })
export const getProfile = async () => (await auth.authFetch('https://api.example.com/me')).json()
export const signOut = () => auth.logout()
