// What Latchkey's long configuration-error messages weigh, for `npm run bench` (`--only=sizes`):
// the sizes app of bench/sizes/apps/latchkey built twice with esbuild (code splitting, ES modules,
// minified, target es2022), once as it is and once with every long `config_invalid` message of the
// SDK's source replaced by the option it names, as a production build would leave them behind a
// `process.env.NODE_ENV !== 'production'` check. The SDK is not changed: the second build rewrites
// its source as it loads it (an esbuild plugin). The figure is the difference of the first loads
// (the entry chunk and what it imports statically), gzip -9 per chunk, summed, as measure.mjs sums
// them.
//
//   node bench/sizes/messages.mjs     (from the repository root)
//
// The messages are found, not listed, so they are found wherever a refactor moves them: in every
// source file of packages/core/src that mentions `config_invalid`, the message argument of
// `new X('config_invalid', message)`, and the first argument of any function that passes its
// parameter on as such a message (config.ts's `invalid`) or has one as its default
// (`fail = invalid`).
import { readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import ts from 'typescript'

const here = fileURLToPath(new URL('.', import.meta.url))
const bench = join(here, '..')
const repo = join(bench, '..')
const coreSource = join(repo, 'packages', 'core', 'src')
const APP = join(here, 'apps', 'latchkey', 'main.ts')

/** Messages of this many characters (their fixed text, without what is filled in) or more. */
export const LONG_MESSAGE = 40

/**
 * @returns {Promise<{ firstLoadGz: number, shortFirstLoadGz: number, totalGz: number,
 *   shortTotalGz: number, messages: Array<{ file: string, text: string, replacement: string }>,
 *   allMessages: number }>}
 *   bytes of the two builds; the messages shortened in the second, and how many messages there are
 */
export async function measureMessages() {
  const plain = await buildApp([])
  const messages = []
  const counted = { all: 0 }
  const short = await buildApp([shortMessages(messages, counted)])
  if (messages.length === 0) {
    throw new Error(
      'found no long config_invalid message in packages/core/src: has the code moved?',
    )
  }
  if (short.firstLoadGz === plain.firstLoadGz && short.totalGz === plain.totalGz) {
    throw new Error('shortening the config_invalid messages changed nothing in the build')
  }
  return {
    firstLoadGz: plain.firstLoadGz,
    shortFirstLoadGz: short.firstLoadGz,
    totalGz: plain.totalGz,
    shortTotalGz: short.totalGz,
    messages,
    allMessages: counted.all,
  }
}

async function buildApp(plugins) {
  const outdir = join(bench, '.messages-build')
  const result = await build({
    entryPoints: [APP],
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    platform: 'browser',
    outdir,
    write: false,
    metafile: true,
    absWorkingDir: bench,
    nodePaths: [join(bench, 'node_modules')],
    // @latchkey/core from its TypeScript source, as the other builds of the bench take it.
    conditions: ['source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
    plugins,
  })
  const outputs = result.metafile.outputs
  const key = (path) => relative(bench, path)
  const gz = Object.fromEntries(
    result.outputFiles.map((file) => [
      key(file.path),
      gzipSync(file.contents, { level: 9 }).length,
    ]),
  )
  // The first load: the entry chunk and, recursively, what it imports statically.
  const firstLoad = new Set()
  const visit = (path) => {
    if (firstLoad.has(path)) return
    firstLoad.add(path)
    for (const imported of outputs[path].imports) {
      if (imported.kind === 'import-statement') visit(imported.path)
    }
  }
  // The chunks a dynamic import() loads are entry points in the metafile too.
  const entryPoint = relative(bench, APP)
  visit(Object.keys(outputs).find((path) => outputs[path].entryPoint === entryPoint))
  const js = Object.keys(gz).filter((path) => path.endsWith('.js'))
  const sum = (paths) => paths.reduce((total, path) => total + gz[path], 0)
  return { firstLoadGz: sum([...firstLoad]), totalGz: sum(js) }
}

/**
 * The plugin of the second build; records each message it shortens in `found`, and counts in
 * `counted.all` every config_invalid message it sees (long or not).
 */
function shortMessages(found, counted) {
  return {
    name: 'short-config-messages',
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
        if (relative(coreSource, path).startsWith('..')) return undefined
        const source = await readFile(path, 'utf8')
        if (!source.includes('config_invalid')) return undefined
        const edits = messageEdits(path, source, counted)
        for (const { text, replacement } of edits) {
          found.push({ file: relative(repo, path), text, replacement })
        }
        let contents = source
        // From the end, so the earlier positions stay right.
        for (const { start, end, replacement } of edits.sort((a, b) => b.start - a.start)) {
          contents = contents.slice(0, start) + replacement + contents.slice(end)
        }
        return { contents, loader: 'ts' }
      })
    },
  }
}

/** The long config_invalid messages of one source file, and what each becomes. */
function messageEdits(path, source, counted) {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true)
  const isConfigInvalid = (node) =>
    node !== undefined && ts.isStringLiteralLike(node) && node.text === 'config_invalid'
  // Functions that pass a parameter on as the message of a config_invalid error.
  const wrappers = new Set()
  const frames = new Set()
  const walk = (node, visit) => {
    visit(node)
    ts.forEachChild(node, (child) => walk(child, visit))
  }
  walk(file, (node) => {
    if (!ts.isNewExpression(node) || !isConfigInvalid(node.arguments?.[0])) return
    const message = node.arguments[1]
    let scope = node.parent
    while (scope && !ts.isFunctionLike(scope)) scope = scope.parent
    if (message === undefined || scope === undefined) return
    const parameters = new Set(
      scope.parameters.filter((p) => ts.isIdentifier(p.name)).map((p) => p.name.text),
    )
    let passesOn = false
    walk(message, (part) => {
      if (ts.isIdentifier(part) && parameters.has(part.text)) passesOn = true
    })
    if (!passesOn) return
    // Not a message itself but the frame of the ones passed in.
    frames.add(message)
    const name = ts.isFunctionDeclaration(scope)
      ? scope.name
      : ts.isVariableDeclaration(scope.parent)
        ? scope.parent.name
        : undefined
    if (name && ts.isIdentifier(name)) wrappers.add(name.text)
  })
  // A parameter whose default is such a function (`fail = invalid`) is one too.
  walk(file, (node) => {
    if (
      ts.isParameter(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      ts.isIdentifier(node.initializer) &&
      wrappers.has(node.initializer.text)
    ) {
      wrappers.add(node.name.text)
    }
  })
  const messages = []
  walk(file, (node) => {
    if (ts.isNewExpression(node) && isConfigInvalid(node.arguments?.[0])) {
      if (!frames.has(node.arguments[1])) messages.push(node.arguments[1])
    } else if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      wrappers.has(node.expression.text)
    ) {
      messages.push(node.arguments[0])
    }
  })
  const literal = messages.filter((node) => node !== undefined && fixedText(node) !== undefined)
  counted.all += literal.length
  return literal
    .filter((node) => fixedText(node).length >= LONG_MESSAGE)
    .map((node) => ({
      start: node.getStart(file),
      end: node.getEnd(),
      text: node.getText(file),
      replacement: shortened(node, file),
    }))
}

/** A literal's text without what a template fills in; undefined for anything but a literal. */
function fixedText(node) {
  if (ts.isStringLiteralLike(node)) return node.text
  if (ts.isTemplateExpression(node)) {
    return node.head.text + node.templateSpans.map((span) => span.literal.text).join('')
  }
  return undefined
}

/**
 * The production text: the message up to the end of the first option it names in backticks
 * ("Invalid Latchkey configuration: `dpop: true`", "`${name}`"), or its first word.
 */
function shortened(node, file) {
  const raw = node.getText(file)
  const quote = raw[0]
  const body = raw.slice(1, -1)
  // In a template literal a backtick is escaped; in a quoted string it is not.
  const tick = quote === '`' ? '\\`' : '`'
  const open = body.indexOf(tick)
  const close = open === -1 ? -1 : body.indexOf(tick, open + tick.length)
  const kept =
    close === -1
      ? body.slice(0, Math.max(0, body.search(/\s/)))
      : body.slice(0, close + tick.length)
  return `${quote}${kept}${quote}`
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await measureMessages()
  const kb = (bytes) => `${(bytes / 1024).toFixed(2)} kB`
  for (const { file, text, replacement } of result.messages) {
    console.log(`${file}: ${text}\n  -> ${replacement}`)
  }
  console.log(
    `${result.messages.length} of ${result.allMessages} messages (${LONG_MESSAGE}+ characters) shortened: first load ${kb(result.firstLoadGz)} -> ${kb(result.shortFirstLoadGz)} gzip, all JS ${kb(result.totalGz)} -> ${kb(result.shortTotalGz)}`,
  )
}
