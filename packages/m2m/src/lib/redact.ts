// The last line of defence for secrets: a server that echoes a credential in its error message.
import { AuthError } from '@latchkey/core/internal'

/**
 * Returns a function that replaces each of `secrets` (as given or form-encoded) in a text with
 * `[redacted]`: what errors and `onEvent`'s events both pass through.
 */
export function createMask(secrets: readonly string[]): (text: string) => string {
  const needles = [
    ...new Set(secrets.flatMap((s) => [s, new URLSearchParams({ s }).toString().slice(2)])),
  ].filter((needle) => needle.length > 0)
  return (text) => needles.reduce((masked, needle) => masked.split(needle).join('[redacted]'), text)
}

/**
 * Returns a function that passes errors through unchanged unless their message or
 * `error_description` contains one of `secrets` (see {@link createMask}); such an error is
 * replaced by a copy with the secret masked and no `cause`.
 */
export function createRedactor(secrets: readonly string[]): (error: unknown) => unknown {
  const mask = createMask(secrets)
  return (error) => {
    if (!(error instanceof AuthError)) return error
    const description = error.error_description
    const leaks =
      mask(error.message) !== error.message ||
      (description !== undefined && mask(description) !== description)
    if (!leaks) return error
    return new AuthError(error.code, mask(error.message), {
      ...(error.error === undefined ? {} : { error: error.error }),
      ...(description === undefined ? {} : { errorDescription: mask(description) }),
      ...(error.status === undefined ? {} : { status: error.status }),
    })
  }
}
