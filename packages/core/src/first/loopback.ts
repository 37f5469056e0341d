/**
 * Tells whether a URL points at this machine. `http://` is accepted only for such hosts, the one
 * place where TLS adds nothing (RFC 8252 section 8.3).
 */
export function isLoopback(url: URL): boolean {
  const host = url.hostname
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127(?:\.\d{1,3}){3}$/.test(host)
  )
}
