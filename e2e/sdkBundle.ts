// The SDK as the harness pages' browsers get it: packages/core/src bundled by esbuild, rebuilt per
// request so that a server reused between runs serves the current code.
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

/**
 * Builds the SDK once (so that a server fails at start, not in its first test, when the SDK does
 * not build); `bundle()` rebuilds it, one build at a time, and `dispose()` stops esbuild.
 */
export async function sdkBundler(): Promise<{
  bundle(): Promise<string>
  dispose(): Promise<void>
}> {
  const bundler = await esbuild.context({
    entryPoints: [fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  let building: Promise<string> = Promise.resolve('')
  const rebuild = async () => (await bundler.rebuild()).outputFiles?.[0]?.text ?? ''
  const bundle = () => {
    building = building.then(rebuild, rebuild)
    return building
  }
  await bundle()
  return { bundle, dispose: () => bundler.dispose() }
}
