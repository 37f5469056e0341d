/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_LATCHKEY_ISSUER?: string
  readonly VITE_LATCHKEY_CLIENT_ID?: string
  readonly VITE_LATCHKEY_API_URL?: string
  readonly VITE_LATCHKEY_SCOPE?: string
  readonly VITE_LATCHKEY_RESOURCE?: string
  /** The reports API (a second API with its own audience), when the playground has one. */
  readonly VITE_LATCHKEY_REPORTS_URL?: string
  /** More `createAuth` options as JSON (dev.ts checks it is a JSON object). */
  readonly VITE_LATCHKEY_OPTIONS?: string
}
