import { useAuth } from '@latchkey/react'
import { useState } from 'react'
import { apiUrl, reportsUrl } from './auth.js'
import { ErrorMessage } from './ErrorMessage.js'

type ApiResult = { status: number; body: unknown } | { error: unknown }

/** Rendered only when signed in (it sits inside `<RequireAuth>`). */
export function Protected() {
  const { user, expiresAt, authFetch, logout } = useAuth()
  const [result, setResult] = useState<ApiResult | null>(null)
  const [reportsResult, setReportsResult] = useState<ApiResult | null>(null)

  async function call(url: string, show: (result: ApiResult | null) => void) {
    show(null)
    try {
      const response = await authFetch(url)
      show({ status: response.status, body: await response.json() })
    } catch (error) {
      show({ error })
    }
  }
  /** `/api/recent` wants a sign-in from the last minute: a step-up (see auth.ts's `stepUp`). */
  const callApi = (path = '/api/me') => call(`${apiUrl}${path}`, setResult)
  const callReports = () => call(`${reportsUrl}/api/me`, setReportsResult)

  return (
    <section>
      <h2>Protected</h2>
      <p>
        Access token expires at{' '}
        <strong data-testid="expires-at">
          {expiresAt ? new Date(expiresAt).toLocaleTimeString() : 'unknown'}
        </strong>
      </p>
      <h3>Your claims</h3>
      <pre data-testid="claims">{JSON.stringify(user, null, 2)}</pre>
      <p>
        <button type="button" data-testid="call-api" onClick={() => void callApi()}>
          Call the demo API
        </button>{' '}
        <button type="button" data-testid="call-recent" onClick={() => void callApi('/api/recent')}>
          Call /api/recent (needs a recent sign-in)
        </button>{' '}
        {reportsUrl ? (
          <>
            <button type="button" data-testid="call-reports" onClick={() => void callReports()}>
              Call the reports API
            </button>{' '}
          </>
        ) : null}
        <button
          type="button"
          data-testid="logout"
          onClick={() => logout().catch((error) => setResult({ error }))}
        >
          Sign out
        </button>
      </p>
      <Result result={result} testId="api-result" />
      <Result result={reportsResult} testId="reports-result" />
    </section>
  )
}

/** An API call's answer (its status and body, under `testId`) or its error. */
function Result({ result, testId }: { result: ApiResult | null; testId: string }) {
  if (result === null) return null
  if ('error' in result) return <ErrorMessage error={result.error} />
  return (
    <pre data-testid={testId}>
      HTTP {result.status}
      {'\n'}
      {JSON.stringify(result.body, null, 2)}
    </pre>
  )
}

/** What `<RequireAuth>` shows while it sends the user to sign in, or why it could not. */
export function SignInFallback() {
  const { error } = useAuth()
  return error ? (
    <ErrorMessage error={error} />
  ) : (
    <p data-testid="redirecting">Taking you to sign in…</p>
  )
}
