import type { onRequestAsyncHookHandler } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { TokenBuckets } from '../resilience/token-bucket.js';

/**
 * Per-client rate limit on order creation: 429 with Retry-After once a client
 * has used its burst and sends faster than the rate. The client is the value
 * of `keyHeader` (an API key) when sent, else its address. Runs before the
 * body is read, so a flood costs little. A small token bucket rather than
 * @fastify/rate-limit: the limit must follow the simulated clock and apply to
 * two routes registered before the plugins, and this is ~20 lines.
 */
export function rateLimitGuard(deps: {
  buckets: TokenBuckets;
  clock: Clock;
  keyHeader: string;
}): onRequestAsyncHookHandler {
  const { buckets, clock } = deps;
  const header = deps.keyHeader.toLowerCase();
  return async (request, reply) => {
    const key = request.headers[header];
    const client = typeof key === 'string' && key.length > 0 ? `key:${key}` : `ip:${request.ip}`;
    const taken = buckets.take(client);
    if (taken.ok) {
      reply.header('RateLimit-Remaining', String(taken.remaining));
      return;
    }
    const seconds = Math.max(1, Math.ceil(clock.scale(taken.retryAfterMs) / 1000));
    return reply
      .code(429)
      .header('Retry-After', String(seconds))
      .send({
        error: 'rate_limited',
        message: `too many orders from this client (${client.startsWith('key:') ? 'API key' : 'address'}); retry in ${taken.retryAfterMs} ms`,
        retry_after_ms: taken.retryAfterMs,
      });
  };
}
