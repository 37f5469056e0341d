// Plain-word explanations of Latchkey's error codes for the playground's error box.
import type { AuthErrorCode } from '@latchkey/core'

const TITLES: Partial<Record<AuthErrorCode, string>> = {
  authorization_denied: 'Sign-in was cancelled or refused at the authorization server.',
  state_mismatch: 'This sign-in link does not belong to a sign-in started here.',
  transaction_missing: 'This sign-in link was already used or has expired.',
  issuer_mismatch: 'The response came from an unexpected authorization server.',
  invalid_callback: 'The sign-in response was malformed.',
  token_request_failed: 'The authorization server did not issue tokens.',
  id_token_invalid: 'The identity token failed validation.',
  session_expired: 'Your session has expired. Please sign in again.',
  login_required:
    'Please sign in: there is no session here, or the server needs you to sign in again.',
  origin_not_allowed: 'The token was not sent: that URL is not an allowed API origin.',
  step_up_required:
    'The API wants a more recent or a stronger sign-in (a step-up); sign in again to continue.',
  network_error: 'The network request failed.',
  popup_blocked:
    'The browser blocked the sign-in popup. Allow popups for this site, or sign in without one.',
  popup_closed: 'The sign-in popup was closed before sign-in finished.',
  timeout: 'No answer in time: the server or the sign-in window took too long.',
  discovery_failed: 'The authorization server could not be reached or described itself wrongly.',
  storage_unavailable: 'The browser refused storage (private mode?).',
  config_invalid: 'The app is misconfigured.',
  invalid_argument: 'The app passed an invalid argument.',
}

/** A one-line headline for an error code. */
export function errorTitle(code: AuthErrorCode): string {
  return TITLES[code] ?? 'Something went wrong.'
}
