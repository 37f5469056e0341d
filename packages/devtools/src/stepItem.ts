// One step of the flow inspector's list, and the live "expires in" countdowns of its JWTs.
// Text only, never innerHTML: URLs, parameters and claims come from the server.
import type { AuthEvent, AuthEventStep, DecodedJwt } from '@latchkey/core'

type Phase = 'discovery' | 'authorization' | 'token' | 'api' | 'logout' | 'failed'

// The part of the protocol a step belongs to: the colour of its marker.
const PHASES: Record<AuthEventStep, Phase> = {
  discovery_request: 'discovery',
  discovery_response: 'discovery',
  pkce: 'authorization',
  par_request: 'authorization',
  par_response: 'authorization',
  authorize: 'authorization',
  server_sign_in: 'authorization',
  callback: 'authorization',
  token_request: 'token',
  token_response: 'token',
  tokens_validated: 'token',
  api_request: 'api',
  api_response: 'api',
  step_up: 'api',
  revocation_request: 'logout',
  revocation_response: 'logout',
  end_session: 'logout',
  end_session_unavailable: 'logout',
  flow_failed: 'failed',
}

/**
 * The list item of step number `number`, timed from `first` (the first step's `at`); its JWT
 * countdowns start from `now`.
 */
export function stepItem(
  event: AuthEvent,
  number: number,
  first: number,
  now: number,
): HTMLElement {
  const item = element('li', `fi-step fi-${PHASES[event.step] ?? 'discovery'}`)
  item.dataset.step = event.step

  const head = element('div', 'fi-head')
  const time = element('time', 'fi-time')
  time.dateTime = new Date(event.at).toISOString()
  time.title = new Date(event.at).toString()
  time.append(element('span', 'fi-since', since(event.at - first)), ` ${clockTime(event.at)}`)
  head.append(
    element('span', 'fi-number', String(number)),
    element('h3', 'fi-title', event.title),
    time,
  )
  item.append(head)

  const facts = element('p', 'fi-facts')
  if (event.method !== undefined) facts.append(element('span', 'fi-method', event.method))
  if (event.url !== undefined) {
    const url = element('span', 'fi-url', event.url)
    url.title = event.url
    facts.append(url)
  }
  if (event.status !== undefined) {
    facts.append(
      element('span', `fi-status ${event.status < 400 ? 'fi-ok' : 'fi-bad'}`, String(event.status)),
    )
  }
  if (event.ms !== undefined) facts.append(element('span', 'fi-ms', duration(event.ms)))
  if (event.via !== undefined && event.via !== 'redirect') {
    facts.append(element('span', 'fi-via', `via ${event.via}`))
  }
  if (facts.childElementCount > 0) item.append(facts)

  if (event.error !== undefined) item.append(element('p', 'fi-error', event.error))
  const params = Object.entries(event.params ?? {})
  if (params.length > 0) item.append(paramsTable(params))
  for (const [name, jwt] of Object.entries(event.jwts ?? {}))
    item.append(jwtDetails(name, jwt, now))
  return item
}

/** Brings every countdown inside `root` to `now`. */
export function refreshCountdowns(root: ParentNode, now: number): void {
  for (const node of root.querySelectorAll<HTMLElement>('[data-exp]')) {
    const exp = Number(node.dataset.exp)
    node.textContent = countdown(exp, now)
    node.classList.toggle('fi-expired', exp * 1000 <= now)
  }
}

function paramsTable(params: Array<[string, string]>): HTMLElement {
  const table = element('table', 'fi-params')
  const body = document.createElement('tbody')
  for (const [name, value] of params) {
    const row = document.createElement('tr')
    const key = element('th', '', name)
    key.scope = 'row'
    row.append(key, element('td', '', value))
    body.append(row)
  }
  table.append(body)
  return table
}

function jwtDetails(name: string, jwt: DecodedJwt, now: number): HTMLElement {
  const details = element('details', 'fi-jwt')
  const summary = element('summary', '', element('span', 'fi-jwt-name', name))
  const { alg, typ } = jwt.header
  const kind = [typ, alg].filter((part) => typeof part === 'string').join(' · ')
  if (kind !== '') summary.append(element('span', 'fi-jwt-kind', kind))
  const { exp } = jwt.claims
  if (typeof exp === 'number') {
    const left = element('span', 'fi-countdown', countdown(exp, now))
    left.dataset.exp = String(exp)
    left.classList.toggle('fi-expired', exp * 1000 <= now)
    summary.append(left)
  }
  details.append(
    summary,
    element(
      'div',
      'fi-jwt-parts',
      element('p', 'fi-label', 'Header'),
      element('pre', '', JSON.stringify(jwt.header, null, 2)),
      element('p', 'fi-label', 'Claims'),
      element('pre', '', JSON.stringify(jwt.claims, null, 2)),
    ),
  )
  return details
}

/** "expires in 4:53" or "expired 0:12 ago", for an `exp` claim in seconds since the epoch. */
function countdown(exp: number, now: number): string {
  const seconds = Math.floor(exp - now / 1000)
  return seconds >= 0 ? `expires in ${minutes(seconds)}` : `expired ${minutes(-seconds)} ago`
}

/** 4:53, or 1:04:53 past an hour. */
function minutes(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = String(seconds % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}

/** "+1.24 s" since the first step; "+2 min 05 s" past a minute. */
function since(ms: number): string {
  const seconds = Math.max(0, ms) / 1000
  if (seconds < 60) return `+${seconds.toFixed(2)} s`
  const whole = Math.floor(seconds)
  return `+${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`
}

/** 14:02:31.245 in local time. */
function clockTime(at: number): string {
  const date = new Date(at)
  const two = (n: number) => String(n).padStart(2, '0')
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (className !== '') node.className = className
  node.append(...children)
  return node
}
