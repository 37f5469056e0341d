// The public methods that run a flow (login(), loginWithPopup(), loginSilently(), logout(),
// handleRedirect()'s settling) and what they share: a logout that is leaving the page, a callback
// page that only relayed its response, and the background download of the next step's code.
import type { Auth } from './auth.js'
import type { AuthContext } from './context.js'
import { AuthError, isAuthError } from './errors.js'
import type { Layers } from './layers.js'
import type { Page } from './page.js'
import { openPopupNow } from './popupWindow.js'

/** What {@link createFlowMethods} returns. */
export interface FlowMethods {
  /** The public methods that run a flow. */
  api: Pick<Auth, 'login' | 'loginWithPopup' | 'loginSilently' | 'logout'>
  /** Holds the callback page's state until `result` (handleRedirect()'s) settles. */
  settleCallback<T>(result: Promise<T | null>): Promise<T | null>
  /** Navigates to the server's end-session endpoint: until the page is shown again, no login(). */
  leave(url: string): void
  /** Fetches the next step's code in the background (logout when signed in, else the sign-in). */
  prefetchNextStep(signedIn: boolean): void
  /** Notes an authFetch() call: background downloads wait for the first to settle. */
  noteCall(call: Promise<unknown>): void
}

/**
 * @param restoring settles once the session kept by an earlier page is read (flows wait for it).
 * @param restored settles once the page's state is known (the silent restore included).
 */
export function createFlowMethods(
  ctx: AuthContext,
  page: Page,
  layers: Layers,
  restoring: Promise<unknown>,
  restored: Promise<unknown>,
): FlowMethods {
  const { platform } = ctx
  // A logout that ends the server session navigates there once its revocation is answered; the
  // state says `unauthenticated` before that. A login() in between (a protected page's reaction,
  // React's <RequireAuth>) waits for the logout, and starts nothing once the page is on its way:
  // its navigation would replace the logout's. A page back from the back/forward cache is shown
  // again, and may sign in.
  let loggingOut: Promise<unknown> = Promise.resolve()
  let leaving = false
  platform.onVisible(() => {
    leaving = false
  })
  // A page that only relayed the response to the window that started the sign-in (handleRedirect()
  // resolved `null` there) starts no login: in a hidden iframe that would be a full, visible login.
  let relayed = false
  // The first authFetch(), settled either way: what background downloads wait for.
  let firstCall: Promise<unknown> | undefined

  /** Runs a flow after the restore; a failure is an AuthError, and shown in the state. */
  async function run(flow: () => Promise<void>, what: string): Promise<void> {
    await restoring
    try {
      await flow()
    } catch (error) {
      // Anything but an AuthError came from a flow, so the protocol layer is loaded.
      const protocol = isAuthError(error)
        ? undefined
        : await layers.protocol().catch(() => undefined)
      ctx.fail(
        protocol
          ? protocol.module.toAuthError(error, 'discovery_failed', what)
          : (error as AuthError),
      )
    }
  }

  return {
    api: {
      login: (options = {}) =>
        run(async () => {
          await loggingOut
          if (leaving || relayed) return
          const [flow, { ctx: withProtocol }] = await layers.load(
            import('../flows/authorizationRequest.js'),
            'login()',
          )
          platform.navigate((await flow.startAuthorization(withProtocol, options)).url)
        }, 'login()'),
      loginWithPopup(options = {}) {
        // Opened here, synchronously, while the click that called this is still the user's gesture.
        const popup = openPopupNow()
        return run(async () => {
          if (popup === null) {
            throw new AuthError(
              'popup_blocked',
              'The browser blocked the popup: call loginWithPopup() right in a click handler, or use login().',
            )
          }
          // Without its code (offline, a redeploy) the empty popup would stay open: it is closed.
          const loading = layers.load(import('../flows/popup.js'), 'loginWithPopup()')
          loading.catch(() => popup.close())
          const [flow, { ctx: withProtocol }] = await loading
          await flow.popupLogin(withProtocol, popup, options)
        }, 'loginWithPopup()')
      },
      loginSilently: (options = {}) =>
        run(async () => {
          const [flow, { ctx: withProtocol }] = await layers.load(
            import('../flows/silentLogin.js'),
            'loginSilently()',
          )
          await flow.silentLogin(withProtocol, options)
        }, 'loginSilently()'),
      logout: async (options = {}) => {
        await restored
        const done = (async () => {
          const [flow, { ctx: withProtocol }] = await layers.load(
            import('../flows/logout.js'),
            'logout()',
          )
          await flow.logout(withProtocol, options)
        })()
        loggingOut = done.catch(() => undefined)
        await done
      },
    },
    // On the callback page the state stays `loading` until handleRedirect() settles, whatever
    // other tabs report meanwhile: an app that answers "not loading and signed out" with login()
    // must not leave for the server in the middle of the exchange.
    settleCallback(result) {
      if (page.onCallback) {
        void result
          .catch(() => undefined)
          .then(async (done) => {
            relayed = done === null
            await restored
            page.holding = false
            if (page.store.get().status === 'loading') ctx.show(page.sessions.current)
          })
      }
      return result
    },
    leave(url) {
      leaving = true
      platform.navigate(url)
    },
    // The code of the next step a user can take is fetched in the background, while the deploy
    // that served the page is still the one online: the click then needs no download. Not at
    // once: a second later, and once the first API call has answered (on a cold load what the
    // user waits for, which the download would slow), and never for a logout's page that leaves
    // for the end-session endpoint, which would not use it.
    prefetchNextStep(signedIn) {
      platform.setTimer(async () => {
        await firstCall
        await loggingOut
        if (leaving) return
        const next = signedIn
          ? import('../flows/logout.js')
          : import('../flows/authorizationRequest.js')
        next.catch(() => undefined)
      }, 1000)
    },
    noteCall(call) {
      firstCall ??= call.catch(() => undefined)
    },
  }
}
