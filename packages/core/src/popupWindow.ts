// Opening the sign-in popup: synchronous, inside the user's gesture, so it is not in the popup flow
// module (which loads only afterwards).

/**
 * Opens an empty popup centred on this window, for {@link Auth.loginWithPopup}; `null` when the
 * browser blocked it. Here rather than in the popup module, which loads only after this has run.
 */
export function openPopupNow(): Window | null {
  const width = 500
  const height = 650
  const left = Math.round(window.screenX + (window.outerWidth - width) / 2)
  const top = Math.round(window.screenY + (window.outerHeight - height) / 2)
  return window.open(
    '',
    'latchkey-sign-in',
    `popup,width=${width},height=${height},left=${left},top=${top}`,
  )
}
