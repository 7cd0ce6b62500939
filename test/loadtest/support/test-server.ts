/**
 * A tiny HTTP server with known behaviour, for testing the load generator
 * against real HTTP on loopback: each request is answered after a delay chosen
 * by `behave`, and the server can be told to stall for a while.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Behaviour {
  /** Wall ms before the answer. Default 0. */
  delayMs?: number;
  /** Default 200. */
  status?: number;
  /** JSON body. Default `{"ok":true}`. */
  body?: unknown;
}

export interface TestServer {
  url: string;
  /** Requests answered, per path. */
  served: Map<string, number>;
  /** Requests received, in order of arrival: path and arrival time (performance.now()). */
  arrivals: { path: string; at: number }[];
  /** Holds every answer until `ms` from now (requests still arrive and are counted). */
  stall(ms: number): void;
  /** The last stall, as performance.now() times. */
  lastStall: { from: number; until: number } | undefined;
  close(): Promise<void>;
}

export async function startTestServer(
  behave: (request: IncomingMessage, index: number, body: string) => Behaviour,
): Promise<TestServer> {
  const served = new Map<string, number>();
  const arrivals: { path: string; at: number }[] = [];
  let stallUntil = 0;
  let index = 0;
  const server: Server = createServer((request, response) => {
    const arrivedAt = performance.now();
    const path = (request.url ?? '/').split('?')[0]!;
    arrivals.push({ path, at: arrivedAt });
    const n = index++;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const behaviour = behave(request, n, Buffer.concat(chunks).toString('utf8'));
      const answerAt = arrivedAt + (behaviour.delayMs ?? 0);
      const answer = (): void => {
        if (response.destroyed) return;
        // Timers may fire up to a millisecond early; an answer never leaves before its time.
        const left = Math.max(answerAt, stallUntil) - performance.now();
        if (left > 0) {
          setTimeout(answer, Math.ceil(left));
          return;
        }
        served.set(path, (served.get(path) ?? 0) + 1);
        const text = JSON.stringify(behaviour.body ?? { ok: true });
        response.writeHead(behaviour.status ?? 200, { 'content-type': 'application/json' });
        response.end(text);
      };
      answer();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = {
    url: `http://127.0.0.1:${port}`,
    served,
    arrivals,
    lastStall: undefined,
    stall(ms) {
      const from = performance.now();
      stallUntil = from + ms;
      testServer.lastStall = { from, until: stallUntil };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return testServer;
}
