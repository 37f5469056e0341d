// The one table `npm run bench` prints: a Markdown table, one column per SDK.

/** The SDK column a package name belongs in: `@latchkey/core` is Latchkey, scopes are dropped. */
export function sdkColumn(name) {
  if (/latchkey/i.test(name)) return 'Latchkey'
  return name.replace(/^@[^/]+\//, '')
}

/**
 * @param {Array<Record<string, string | number | undefined>>} rows each with `measure`, one key per
 *   SDK column, `goal` and `note`
 * @param {string[]} sdks the SDK columns, in order
 * @param {Record<string, string>} headers column titles (e.g. with versions), by key
 */
export function formatTable(rows, sdks, headers = {}) {
  const keys = ['measure', ...sdks, 'goal', 'note']
  const cells = [
    keys.map((key) => headers[key] ?? key),
    ...rows.map((row) => keys.map((key) => escapePipes(String(row[key] ?? '')))),
  ]
  const widths = keys.map((_, i) => Math.max(3, ...cells.map((line) => line[i].length)))
  const line = (values) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`
  return [
    line(cells[0]),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n')
}

function escapePipes(value) {
  return value.replace(/\|/g, '\\|')
}
