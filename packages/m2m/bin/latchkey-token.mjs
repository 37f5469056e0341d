#!/usr/bin/env node
// `latchkey-token`: runs the built CLI only. The TypeScript source is published too (the "source"
// export condition, source maps), but running it would depend on whatever TypeScript loader the
// consumer happens to have. In the workspace, build first or run src/cli.ts explicitly (docs/getting-started/m2m.md).
await import('../dist/cli.js')
