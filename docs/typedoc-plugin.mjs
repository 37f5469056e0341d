// A TypeDoc plugin for Latchkey's API reference.
// - Names each module after the package entry point it documents (TypeDoc would use its path).
// - `@latchkey/core/testing` inherits comments from `Auth` that link `{@link AuthError}`, which
//   that entry point does not export: those links are pointed at `@latchkey/core`'s AuthError.
import { Converter, ReflectionKind } from 'typedoc'

/**
 * @param {string} path TypeDoc's name for an entry point: its path, e.g. `packages/core/src/testing`
 * (`@latchkey/core/testing`) or `packages/devtools/src/react` (`@latchkey/devtools/react`).
 */
function packageName(path) {
  const match = /^(?:packages\/)?(core|react|vue|m2m|devtools)\/src(?:\/(\w+))?$/.exec(path)
  if (!match) return path
  const [, name, entry] = match
  return entry === undefined || entry === 'index'
    ? `@latchkey/${name}`
    : `@latchkey/${name}/${entry}`
}

/** Every display part of a comment: its summary and its block tags. */
function* parts(comment) {
  if (!comment) return
  yield* comment.summary
  for (const tag of comment.blockTags) yield* tag.content
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (_context, reflection) => {
    if (reflection.kindOf(ReflectionKind.Module)) reflection.name = packageName(reflection.name)
  })
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      for (const part of parts(reflection.comment)) {
        if (
          part.kind === 'inline-tag' &&
          part.tag === '@link' &&
          part.text.trim() === 'AuthError'
        ) {
          part.text = '"@latchkey/core"!AuthError | AuthError'
        }
      }
    }
  })
}
