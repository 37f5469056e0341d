// handleRedirect(): the callback page's half of a sign-in, once per callback URL. The callback's
// code (flows/callback.ts) loads on demand, while the session is restored.
import type { RedirectResult } from './auth.js'
import { isCallbackUrl, stripCallbackParams } from './callbackUrl.js'
import type { AuthContext } from './context.js'
import { AuthError } from './errors.js'
import type { Layers } from './layers.js'

/**
 * Returns `handleRedirect()`. Repeated calls for one callback URL (before and after its cleanup)
 * share one exchange; on success or failure the code and state leave the address bar without a
 * new history entry.
 * @param restored settles once the session kept by an earlier page is restored.
 */
export function createRedirectHandler(
  ctx: AuthContext,
  layers: Layers,
  restored: Promise<unknown>,
): (input?: string | URL) => Promise<RedirectResult | null> {
  const { cfg, platform } = ctx
  const redirects = new Map<string, Promise<RedirectResult | null>>()
  return (input) => {
    const page = platform.currentUrl()
    let url: URL
    try {
      url = input === undefined ? page : new URL(String(input), page)
    } catch {
      return Promise.reject(
        new AuthError('invalid_argument', 'handleRedirect() was given an invalid URL.'),
      )
    }
    const known = redirects.get(url.href)
    if (known !== undefined) return known
    if (!isCallbackUrl(url, cfg.redirectUrl)) return Promise.resolve(null)

    const cleaned = stripCallbackParams(url)
    const result = (async () => {
      const [callback, { ctx: withProtocol }] = await layers.load(
        import('../flows/callback.js'),
        'handleRedirect()',
      )
      // In a popup or iframe, the response goes back to the window that started the sign-in.
      const relay = await callback.relayOf(withProtocol, url)
      if (relay !== undefined) {
        const [module] = await layers.load(import('../flows/relay.js'), 'handleRedirect()')
        module.sendRelay(url, relay, ctx.scopeKey)
        return null
      }
      await restored
      return callback.completeCallback(withProtocol, url)
    })().finally(() => {
      if (platform.currentUrl().href === url.href) platform.replaceUrl(cleaned)
    })
    redirects.set(url.href, result)
    redirects.set(cleaned, result)
    return result
  }
}
