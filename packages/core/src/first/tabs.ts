// What this tab does when another tab of the same client signs in, refreshes or signs out: it
// reads the stored session again and shows it (BroadcastChannel, see platform.ts).
import type { AuthContext } from './context.js'
import { AuthError } from './errors.js'
import type { Page } from './page.js'

/**
 * Subscribes `page` to the other tabs' news.
 * @param forgetKey drops this tab's copy of the DPoP key, which the other tab's logout deleted
 *   with its session (a later sign-in here makes a new one).
 */
export function listenToOtherTabs(ctx: AuthContext, page: Page, forgetKey: () => void): void {
  const { sessions } = page
  page.channel?.subscribe((message) => {
    if (message.tabId === ctx.tabId) return
    const ending = message.type === 'logout' || message.type === 'session_expired'
    const ended =
      message.type === 'session_expired'
        ? new AuthError(
            'session_expired',
            'The session ended in another tab. Please sign in again.',
          )
        : null
    if (message.type === 'logout') forgetKey()
    // Storage is the truth for stored sessions (a late message must not wipe a newer sign-in); a
    // session in this tab's memory only ends with the others.
    void sessions.load().then(async (session) => {
      if (ending && session !== null && !sessions.stored) await sessions.clear()
      const now = sessions.current
      if (!page.holding) ctx.show(now, now === null ? ended : null)
    })
  })
}
