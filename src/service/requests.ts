import type { Server } from 'node:http';

/**
 * Counts the requests being answered, from their headers to the end of their
 * response, so that a stop can wait for them — a sync checkout settles its
 * order once its payment ends — without waiting for keep-alive connections
 * that only stay open (the server's close waits for those too).
 */
export function requestsUnderWay(server: Server): { ended(): Promise<void> } {
  let count = 0;
  let waiters: Array<() => void> = [];
  server.on('request', (_request, response) => {
    count++;
    response.once('close', () => {
      if (--count > 0) return;
      for (const resolve of waiters) resolve();
      waiters = [];
    });
  });
  return {
    ended: () => (count === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
}
