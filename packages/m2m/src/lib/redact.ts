// The last line of defence for secrets: a server that echoes a credential in its error message.
import { AuthError } from '@latchkey/core/internal'

/**
 * Returns a function that passes errors through unchanged unless their message or
 * `error_description` contains one of `secrets` (as given or form-encoded); such an error is
 * replaced by a copy with the secret masked and no `cause`.
 */
export function createRedactor(secrets: readonly string[]): (error: unknown) => unknown {
  const needles = [
    ...new Set(secrets.flatMap((s) => [s, new URLSearchParams({ s }).toString().slice(2)])),
  ].filter((needle) => needle.length > 0)
  const mask = (text: string) =>
    needles.reduce((masked, needle) => masked.split(needle).join('[redacted]'), text)
  return (error) => {
    if (!(error instanceof AuthError) || needles.length === 0) return error
    const description = error.error_description
    const leaks =
      needles.some((needle) => error.message.includes(needle)) ||
      (description !== undefined && needles.some((needle) => description.includes(needle)))
    if (!leaks) return error
    return new AuthError(error.code, mask(error.message), {
      ...(error.error === undefined ? {} : { error: error.error }),
      ...(description === undefined ? {} : { errorDescription: mask(description) }),
      ...(error.status === undefined ? {} : { status: error.status }),
    })
  }
}
