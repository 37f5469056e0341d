// Small node:http helpers shared by the playground's servers.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'

/** A started playground server. */
export interface RunningServer {
  /** Base URL browsers use to reach the server (always `localhost`, never `127.0.0.1`). */
  url: string
  /** Stops listening and drops open keep-alive connections. */
  close(): Promise<void>
}

/**
 * Listens on 127.0.0.1 only: the playground hands out tokens for any login name, so it must not
 * be reachable from the network.
 *
 * @throws the server's `error` (e.g. `EADDRINUSE`) if it cannot listen.
 */
export function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** Closes a server without waiting for browsers' idle keep-alive connections to time out. */
export function stop(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

/** Sends a JSON body that any origin may read (test hooks only carry non-secret data). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = { 'access-control-allow-origin': '*' },
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  })
  res.end(JSON.stringify(body))
}

/** Reads a request body as JSON; rejects when it is not JSON. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('error', reject)
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch (error) {
        reject(error)
      }
    })
  })
}
