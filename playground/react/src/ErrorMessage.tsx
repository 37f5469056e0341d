import { AuthError } from '@latchkey/react'
import { errorTitle } from '../../spa/src/messages.js'

/** An error in plain words, with its stable code for whoever debugs it. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error instanceof AuthError) {
    return (
      <p className="error" role="alert" data-testid="error">
        {errorTitle(error.code)} <code data-testid="error-code">{error.code}</code>
        {error.error_description ? ` (${error.error_description})` : null}
      </p>
    )
  }
  return (
    <p className="error" role="alert" data-testid="error">
      {error instanceof Error ? error.message : String(error)}
    </p>
  )
}
