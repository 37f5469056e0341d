import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The SPA uses @latchkey/core straight from its TypeScript source, so `pnpm dev` needs no build.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  envDir: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: {
      '@latchkey/core': fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)),
      '@latchkey/devtools': fileURLToPath(
        new URL('../../packages/devtools/src/index.ts', import.meta.url),
      ),
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  clearScreen: false,
})
