import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The Vue demo uses @latchkey/vue and @latchkey/core from their TypeScript sources, so
// `pnpm dev` needs no build.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  envDir: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [vue()],
  resolve: {
    alias: {
      '@latchkey/core': fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url)),
      // The subpath first: an alias also matches what starts with it and a slash.
      '@latchkey/devtools/vue': fileURLToPath(
        new URL('../../packages/devtools/src/vue.ts', import.meta.url),
      ),
      '@latchkey/devtools': fileURLToPath(
        new URL('../../packages/devtools/src/index.ts', import.meta.url),
      ),
      '@latchkey/vue': fileURLToPath(new URL('../../packages/vue/src/index.ts', import.meta.url)),
    },
  },
  server: { host: '127.0.0.1', port: 5175, strictPort: true },
  clearScreen: false,
})
