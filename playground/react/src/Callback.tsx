import { useAuth } from '@latchkey/react'
import { Link } from 'react-router'
import { ErrorMessage } from './ErrorMessage.js'

/** The redirect URI's page: the provider is finishing the sign-in, or says why it failed. */
export function Callback() {
  const { error } = useAuth()
  // A failed callback (a cancel at the server, a forged or replayed response) never leaves this
  // page by itself: without the error, it would promise a sign-in that is not coming.
  return error ? (
    <>
      <ErrorMessage error={error} />
      <p>
        <Link to="/">Back to the start</Link>
      </p>
    </>
  ) : (
    <p data-testid="callback">Signing you in…</p>
  )
}
