// How long an app page takes to leave `loading`, measured in the page itself.
import type { Page } from '@playwright/test'

declare global {
  interface Window {
    /** Milliseconds from the navigation's start until the status line first left `loading`. */
    labSettledMs?: number
  }
}

/** Makes every later navigation of `page` record when its status line leaves `loading`. */
export async function recordSettleTime(page: Page): Promise<void> {
  await page.addInitScript(() => {
    new MutationObserver(() => {
      const status = document.getElementById('status')?.textContent
      if (window.labSettledMs === undefined && status !== undefined && status !== 'loading') {
        window.labSettledMs = performance.now()
      }
    }).observe(document, { subtree: true, childList: true, characterData: true })
  })
}

/** What {@link recordSettleTime} measured for the current document. */
export async function settleTime(page: Page): Promise<number> {
  const ms = await page.evaluate(() => window.labSettledMs)
  if (ms === undefined)
    throw new Error('the page has not left loading (or recordSettleTime was not called)')
  return ms
}
