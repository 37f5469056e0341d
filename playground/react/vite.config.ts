import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The React demo uses @latchkey/react and @latchkey/core from their TypeScript sources, so
// `pnpm dev` needs no build.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  envDir: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: {
      '@latchkey/core': fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)),
      // The subpath first: an alias also matches what starts with it and a slash.
      '@latchkey/devtools/react': fileURLToPath(
        new URL('../../packages/devtools/src/react.ts', import.meta.url),
      ),
      '@latchkey/devtools': fileURLToPath(
        new URL('../../packages/devtools/src/index.ts', import.meta.url),
      ),
      '@latchkey/react': fileURLToPath(
        new URL('../../packages/react/src/index.ts', import.meta.url),
      ),
    },
  },
  server: { host: '127.0.0.1', port: 5174, strictPort: true },
  clearScreen: false,
})
