import type { FastifyInstance } from 'fastify';

/** Starts listening and returns the URL clients should use (a wildcard host becomes 127.0.0.1). */
export async function listen(
  app: FastifyInstance,
  at: { host: string; port: number },
): Promise<{ url: string; port: number }> {
  await app.listen({ host: at.host, port: at.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : at.port;
  const host = at.host === '0.0.0.0' || at.host === '::' ? '127.0.0.1' : at.host;
  return { url: `http://${host}:${port}`, port };
}
