import { createHash, timingSafeEqual } from 'node:crypto';
import type { onRequestAsyncHookHandler } from 'fastify';

/** Compares two secrets in constant time, whatever their lengths (both are hashed to 32 bytes first). */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Bearer-token check of the admin routes. Without a configured token the
 * admin API is off (403, saying how to turn it on); a missing or wrong token
 * gets 401 before the route runs, so it has no effect.
 */
export function adminAuth(token: string | undefined): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (token === undefined) {
      return reply.code(403).send({
        error: 'admin_disabled',
        message: 'the admin API is disabled on this server; start it with FLASHSALE_ADMIN_TOKEN set',
      });
    }
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match?.[1] || !sameSecret(match[1].trim(), token)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer realm="flashsale-admin"')
        .send({
          error: 'unauthorized',
          message: match ? 'wrong admin token' : 'the admin API needs "Authorization: Bearer <FLASHSALE_ADMIN_TOKEN>"',
        });
    }
  };
}
