import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../telemetry/telemetry.js';
import { errors, HEADERS, ok } from './openapi-responses.js';
import { ReadinessSchema } from './ops-schemas.js';
import type { ReadinessCheck } from './readiness.js';

/** Bodies that may carry keys the schema does not list (/stats gains sections): written as they are. */
const asIs = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };

/**
 * GET /ready: 200 while this process can take work, 503 (with what failed) when
 * not. Without a check it answers 200 whenever the process answers. Its own
 * plugin so that processes built without buildApi (the payment gateway) serve it too.
 */
export const readyRoute: FastifyPluginAsync<{ readiness?: ReadinessCheck }> = async (app, { readiness }) => {
  if (!app.getSchema('Readiness')) app.addSchema(ReadinessSchema);
  app.get(
    '/ready',
    {
      ...asIs,
      schema: {
        tags: ['ops'],
        summary: 'Readiness: 200 while this process can take work (send it traffic), 503 when not',
        description:
          'Probes the store (a write that changes nothing), the bus or the outbox, and whether the process is shutting down. Load balancers route by it; it never restarts anything (that is /health).',
        response: {
          200: ok('Readiness', 'every check passed'),
          503: ok('Readiness', 'a check failed; `checks` says which', { 'Retry-After': HEADERS.retryAfter }),
        },
      },
    },
    async (_request, reply) => {
      const report = readiness ? await readiness() : { ready: true, checks: {} };
      if (!report.ready) reply.code(503).header('Retry-After', '1');
      return { status: report.ready ? 'ready' : 'not_ready', checks: report.checks };
    },
  );
};

/** Health, readiness, Prometheus metrics and the JSON figures. */
export const opsRoutes: FastifyPluginAsync<{ telemetry: Telemetry; readiness?: ReadinessCheck }> = async (
  app,
  { telemetry, readiness },
) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: 200 while the process runs (restart it when this fails)',
        response: { 200: ok('Health', 'the process runs') },
      },
    },
    async () => ({ status: 'ok' }),
  );

  await app.register(readyRoute, readiness ? { readiness } : {});

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['ops'],
        summary: 'Prometheus text exposition (README: every metric)',
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...errors(503),
        },
      },
    },
    async (_request, reply) => {
      const text = await telemetry.metrics();
      reply.header('Content-Type', telemetry.registry.contentType);
      return text;
    },
  );

  app.get(
    '/stats',
    {
      ...asIs,
      schema: {
        tags: ['ops'],
        summary: 'Queue, workers, payments, orders by status, latencies — as JSON',
        response: { 200: ok('Stats', 'the figures of this process (docs/api.md)'), ...errors(503) },
      },
    },
    async () => telemetry.stats(),
  );
};
