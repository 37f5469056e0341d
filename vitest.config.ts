import { defineConfig } from 'vitest/config'

// Workspace packages are tested from their TypeScript source: `@latchkey/core/internal` (imported
// by @latchkey/m2m) resolves through the "source" export condition, so no build is needed.
const conditions = ['source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.{ts,tsx}'],
    environment: 'node',
  },
})
