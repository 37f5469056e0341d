import { defineConfig } from '@playwright/test'
import type { EngineName } from './e2e/engines/driver.js'
import { findChromium } from './scripts/browser.mjs'

export const SPA = 'http://localhost:5173'
/** The Vue demo app; playground/dev.ts starts it last (after the SPA and the React app), so it is
 * the one to wait for. */
const VUE_APP = 'http://localhost:5175'
const chromium = findChromium()

/** e2e/engines.spec.ts runs once per engine; every other spec runs in Chromium. */
const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit']

export default defineConfig<object, { engine: EngineName }>({
  testDir: 'e2e',
  // The specs share one authorization server and count its token requests: run them one by one.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 30_000,
  reporter: 'list',
  use: {
    baseURL: SPA,
    browserName: 'chromium',
    headless: true,
    launchOptions: chromium ?? {},
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'chromium', testIgnore: /engines\.spec\.ts/ },
    ...ENGINES.map((engine) => ({
      name: `engines-${engine}`,
      testMatch: /engines\.spec\.ts/,
      use: { engine },
    })),
  ],
  webServer: [
    {
      command: 'node --import tsx playground/dev.ts',
      url: VUE_APP,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
      // A 2 s refresh leeway lets specs make tokens "about to expire" with a 4 s lifetime, set per
      // test through the authorization server's /__playground/config hook.
      // Specs count token requests exactly, so the server starts without DPoP nonces (a nonce
      // challenge adds a request); e2e/dpop.spec.ts switches them on where it tests them.
      env: {
        LATCHKEY_PLAYGROUND_QUIET: '1',
        LATCHKEY_REFRESH_LEEWAY: '2',
        LATCHKEY_DPOP_NONCE: 'false',
        // The getting-started samples' own origin (e2e/samples.spec.ts).
        // and the engine journeys' harness (e2e/engines.spec.ts).
        LATCHKEY_EXTRA_ORIGINS:
          'http://localhost:5190,http://localhost:5191,http://localhost:5192,http://localhost:5193',
      },
    },
    {
      // The hostile authorization server and its harness page (e2e/hostile.spec.ts).
      command: 'node --import tsx e2e/hostile/server.ts',
      url: 'http://localhost:4100/__hostile/health',
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // The provider lab: emulated Okta, Keycloak, ... and an app harness (e2e/providers.*.spec.ts);
      // ports 4200-4219 unless LATCHKEY_PROVIDERS_PORT moves them.
      command: 'node --import tsx e2e/providers/server.ts',
      url: `http://localhost:${process.env.LATCHKEY_PROVIDERS_PORT ?? 4200}/__lab/health`,
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
  ],
})
