import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Telemetry } from '../telemetry/telemetry.js';
import { loadDashboardAssets } from './assets.js';
import { DashboardSampler, type SamplerOptions } from './sampler.js';

export interface DashboardOptions extends SamplerOptions {
  /** Answer `GET /` with a redirect to /dashboard. Default true. */
  redirectRoot?: boolean;
}

/**
 * The live dashboard: the page at /dashboard, its scripts (uPlot from
 * node_modules) under /dashboard/assets/, a Server-Sent Events stream at
 * /dashboard/events (history first, then one reading per interval) and the
 * same history as JSON at /dashboard/history.
 */
export function dashboardRoutes(deps: { telemetry: Telemetry }, options: DashboardOptions = {}): FastifyPluginAsync {
  return async (app) => {
    const { page, files } = loadDashboardAssets();
    const sampler = new DashboardSampler(deps.telemetry, options);
    const streams = new Set<ServerResponse>();
    const hidden = { schema: { hide: true } };

    if (options.redirectRoot ?? true) {
      app.get('/', hidden, async (_request, reply) => reply.redirect('/dashboard'));
    }
    app.get('/dashboard', hidden, async (_request, reply) => reply.type(page.type).send(page.body));
    app.get<{ Params: { file: string } }>('/dashboard/assets/:file', hidden, async (request, reply) => {
      const asset = files.get(request.params.file);
      if (!asset) {
        return reply.code(404).send({ error: 'not_found', message: `no dashboard asset ${request.params.file}` });
      }
      return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
    });
    app.get('/dashboard/history', hidden, async () => ({
      interval_ms: sampler.intervalMs,
      points: sampler.points(),
      stats: sampler.lastStats() ?? null,
    }));

    app.get('/dashboard/events', hidden, (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        // Proxies that buffer would hold the readings back.
        'x-accel-buffering': 'no',
      });
      // HEAD (derived from this GET) asks for the headers only: a stream would never end.
      if (request.method === 'HEAD') {
        res.end();
        return;
      }
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      res.write('retry: 1000\n\n');
      send('history', {
        interval_ms: sampler.intervalMs,
        points: sampler.points(),
        stats: sampler.lastStats() ?? null,
      });
      const unsubscribe = sampler.subscribe((point, stats) => send('sample', { point, stats }));
      streams.add(res);
      request.raw.on('close', () => {
        unsubscribe();
        streams.delete(res);
      });
    });

    // Open streams would otherwise keep the server from closing.
    app.addHook('preClose', async () => {
      for (const res of streams) res.end();
      streams.clear();
    });
    app.addHook('onClose', async () => sampler.stop());
    sampler.start();
  };
}
