// Opening the sign-in popup: synchronous, inside the user's gesture, so it is not in the popup flow
// module (which loads only afterwards).

/**
 * Opens an empty popup for {@link Auth.loginWithPopup}; `null` when the browser blocked it. Here
 * rather than in the popup module, which loads only after this has run. Its name tells the
 * callback page it is the sign-in popup (`relayOf` in callback.ts).
 */
export function openPopupNow(): Window | null {
  return window.open('', 'latchkey-sign-in', 'popup,width=500,height=650')
}
