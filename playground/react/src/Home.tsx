import { useAuth } from '@latchkey/react'
import { useState } from 'react'
import { Link } from 'react-router'
import { ErrorMessage } from './ErrorMessage.js'

/** The session at a glance, and the three ways in and out. */
export function Home() {
  const { status, isAuthenticated, user, error, login, loginWithPopup, logout } = useAuth()
  const [actionError, setActionError] = useState<unknown>(null)
  const run = (action: () => Promise<unknown>) => () => {
    setActionError(null)
    action().catch(setActionError)
  }

  return (
    <section>
      <p>
        Status: <strong data-testid="status">{status}</strong>
        {user ? (
          <>
            {' '}
            as <strong data-testid="user-sub">{String(user.sub)}</strong>
          </>
        ) : null}
      </p>
      {error ? <ErrorMessage error={error} /> : null}
      {actionError ? <ErrorMessage error={actionError} /> : null}
      {isAuthenticated ? (
        <p>
          <Link to="/protected" data-testid="protected-link">
            Go to the protected page
          </Link>{' '}
          <button type="button" data-testid="logout" onClick={run(() => logout())}>
            Sign out
          </button>
        </p>
      ) : (
        <p>
          <button type="button" data-testid="login" onClick={run(() => login())}>
            Sign in
          </button>{' '}
          <button type="button" data-testid="login-popup" onClick={run(() => loginWithPopup())}>
            Sign in with a popup
          </button>
        </p>
      )}
    </section>
  )
}
