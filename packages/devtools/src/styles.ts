// The panel's styles, adopted by the document the panel is mounted in (a constructed style
// sheet, which a Content-Security-Policy without 'unsafe-inline' styles allows; a <style>
// element where the browser has none). Every selector is under the panel's own class names.
const CSS = `
.flow-inspector {
  --fi-mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  --fi-muted: #5f6670;
  --fi-line: #e3e6ea;
  box-sizing: border-box;
  width: calc(100% - 2rem);
  max-width: 46rem;
  margin: 1rem auto 2rem;
  padding: 0.75rem 1rem 0.5rem;
  background: #fff;
  border: 1px solid #dde1e6;
  border-radius: 8px;
  font-size: 0.875rem;
  line-height: 1.4;
}
.flow-inspector header {
  display: flex;
  align-items: baseline;
  gap: 0.75rem;
  margin-bottom: 0.5rem;
}
.flow-inspector h2 {
  margin: 0;
  font-size: 1.05rem;
}
.flow-inspector .fi-count {
  color: var(--fi-muted);
  flex: 1;
}
.flow-inspector header button {
  font-size: 0.8rem;
  padding: 0.2rem 0.7rem;
}
.flow-inspector .fi-empty {
  color: var(--fi-muted);
  margin: 0.5rem 0;
}
.flow-inspector .fi-steps {
  list-style: none;
  margin: 0;
  padding: 0;
}
.fi-step {
  --fi-phase: #8a929c;
  border-left: 3px solid var(--fi-phase);
  padding: 0.4rem 0 0.45rem 0.65rem;
  margin: 0 0 0.4rem;
  background: linear-gradient(90deg, #f7f8fa, #fff 60%);
  border-radius: 0 4px 4px 0;
}
.fi-step.fi-authorization {
  --fi-phase: #2f5bd3;
}
.fi-step.fi-token {
  --fi-phase: #1d8a4e;
}
.fi-step.fi-api {
  --fi-phase: #8146c9;
}
.fi-step.fi-logout {
  --fi-phase: #c7691b;
}
.fi-step.fi-failed {
  --fi-phase: #c62828;
}
.fi-head {
  display: flex;
  align-items: baseline;
  gap: 0.5rem;
}
.fi-number {
  flex: none;
  min-width: 1.5em;
  font: 600 0.75rem / 1.5 var(--fi-mono);
  color: #fff;
  background: var(--fi-phase);
  border-radius: 999px;
  text-align: center;
  padding: 0 0.3em;
}
.flow-inspector .fi-title {
  flex: 1;
  margin: 0;
  font-size: 0.875rem;
  font-weight: 600;
}
.fi-time {
  flex: none;
  color: var(--fi-muted);
  font: 0.75rem var(--fi-mono);
  white-space: nowrap;
}
.fi-since {
  color: #1d1f24;
}
.fi-facts {
  display: flex;
  align-items: baseline;
  gap: 0.5rem;
  margin: 0.25rem 0 0;
  font: 0.78rem var(--fi-mono);
  min-width: 0;
}
.fi-method {
  font-weight: 600;
}
.fi-url {
  flex: 1;
  min-width: 0;
  overflow: hidden;
  text-overflow: ellipsis;
  white-space: nowrap;
  color: #2a2f36;
}
.fi-status {
  padding: 0 0.35em;
  border-radius: 3px;
  font-weight: 600;
}
.fi-ok {
  background: #e3f4e9;
  color: #17663a;
}
.fi-bad,
.fi-error {
  background: #fdecea;
  color: #a11d1d;
}
.fi-ms,
.fi-via {
  color: var(--fi-muted);
  white-space: nowrap;
}
.fi-error {
  margin: 0.25rem 0 0;
  padding: 0.15rem 0.4rem;
  border-radius: 3px;
  font: 0.78rem var(--fi-mono);
}
.fi-params {
  border-collapse: collapse;
  margin: 0.3rem 0 0;
  font: 0.75rem / 1.35 var(--fi-mono);
  width: 100%;
}
.fi-params th,
.fi-params td {
  text-align: left;
  vertical-align: top;
  padding: 0.1rem 0.5rem 0.1rem 0;
  border-top: 1px solid var(--fi-line);
}
.fi-params th {
  font-weight: 400;
  color: var(--fi-muted);
  white-space: nowrap;
  width: 1%;
}
.fi-params td {
  overflow-wrap: anywhere;
}
.fi-jwt {
  margin: 0.3rem 0 0;
  font-size: 0.8rem;
}
.fi-jwt summary {
  cursor: pointer;
  display: flex;
  gap: 0.6rem;
  align-items: baseline;
}
.fi-jwt summary::before {
  content: "▸";
  color: var(--fi-muted);
}
.fi-jwt[open] summary::before {
  content: "▾";
}
.fi-jwt summary::-webkit-details-marker {
  display: none;
}
.fi-jwt-name {
  font: 600 0.78rem var(--fi-mono);
}
.fi-jwt-kind {
  color: var(--fi-muted);
  font: 0.75rem var(--fi-mono);
}
.fi-countdown {
  font: 0.75rem var(--fi-mono);
  color: #17663a;
}
.fi-countdown.fi-expired {
  color: #a11d1d;
}
.fi-jwt-parts {
  margin: 0.25rem 0 0 1rem;
}
.fi-label {
  margin: 0.3rem 0 0.1rem;
  font-size: 0.72rem;
  text-transform: uppercase;
  letter-spacing: 0.04em;
  color: var(--fi-muted);
}
.flow-inspector pre {
  margin: 0;
  padding: 0.4rem 0.55rem;
  background: #f0f2f5;
  border-radius: 4px;
  font: 0.75rem / 1.35 var(--fi-mono);
  white-space: pre-wrap;
  overflow-wrap: anywhere;
  word-break: normal;
}
`

const adopted = new WeakSet<Document>()

/** Gives `document` the panel's styles, once. */
export function adoptStyles(document: Document): void {
  if (adopted.has(document)) return
  adopted.add(document)
  const view = document.defaultView
  if (
    view !== null &&
    'adoptedStyleSheets' in document &&
    'replaceSync' in view.CSSStyleSheet.prototype
  ) {
    const sheet = new view.CSSStyleSheet()
    sheet.replaceSync(CSS)
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
    return
  }
  const style = document.createElement('style')
  style.dataset.latchkeyDevtools = ''
  style.textContent = CSS
  document.head.append(style)
}
