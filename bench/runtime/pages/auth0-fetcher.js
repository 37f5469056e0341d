// Only what the authFetch overhead figure needs of auth0-spa-js, injected into Latchkey's bench
// page: its Auth0Client (for DPoP proofs) and its fetcher. See bench/runtime/overhead.mjs.
export { Auth0Client } from '@auth0/auth0-spa-js'
