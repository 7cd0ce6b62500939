import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../telemetry/telemetry.js';

/** Health, Prometheus metrics and the JSON figures. */
export const opsRoutes: FastifyPluginAsync<{ telemetry: Telemetry }> = async (app, { telemetry }) => {
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness: 200 while the process runs' } }, async () => ({
    status: 'ok',
  }));

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus text exposition' } }, async (_request, reply) => {
    const text = await telemetry.metrics();
    reply.header('Content-Type', telemetry.registry.contentType);
    return text;
  });

  app.get(
    '/stats',
    { schema: { tags: ['ops'], summary: 'Queue, workers, payments, orders by status, latencies — as JSON' } },
    async () => telemetry.stats(),
  );
};
