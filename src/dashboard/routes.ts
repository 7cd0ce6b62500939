import type { ServerResponse } from 'node:http';
import helmet from '@fastify/helmet';
import type { FastifyPluginAsync } from 'fastify';
import { Gauge } from 'prom-client';
import { hidden } from '../api/openapi.js';
import { HTML_SECURITY_HEADERS } from '../api/security-headers.js';
import { counterFrom } from '../telemetry/prometheus.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { loadDashboardAssets } from './assets.js';
import { DashboardSampler, type SamplerOptions } from './sampler.js';

export interface DashboardOptions extends SamplerOptions {
  /** Answer `GET /` with a redirect to /dashboard. Default true. */
  redirectRoot?: boolean;
  /**
   * Bytes the server may hold for one event-stream client that does not read
   * (beyond what the kernel's socket buffers took); past it the client is
   * dropped and may reconnect. Default 262144 (256 KiB: minutes of readings).
   */
  maxBufferedBytes?: number;
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
    const maxBufferedBytes = options.maxBufferedBytes ?? 262_144;
    let dropped = 0;
    figures(deps.telemetry, { clients: () => streams.size, dropped: () => dropped });
    // The page where the admin token is typed: no framing, no script or connection but this server's.
    await app.register(helmet, HTML_SECURITY_HEADERS);
    const hide = hidden('the live dashboard: an HTML page and its own files, not part of the API');

    if (options.redirectRoot ?? true) {
      app.get('/', hide, async (_request, reply) => reply.redirect('/dashboard'));
    }
    app.get('/dashboard', hide, async (_request, reply) => reply.type(page.type).send(page.body));
    app.get<{ Params: { file: string } }>('/dashboard/assets/:file', hide, async (request, reply) => {
      const asset = files.get(request.params.file);
      if (!asset) {
        return reply.code(404).send({ error: 'not_found', message: `no dashboard asset ${request.params.file}` });
      }
      return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
    });
    app.get('/dashboard/history', hide, async () => ({
      interval_ms: sampler.intervalMs,
      points: sampler.points(),
      stats: sampler.lastStats() ?? null,
      sold_out_at: sampler.soldOutAt(),
    }));

    app.get('/dashboard/events', hide, (request, reply) => {
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
      let unsubscribe: (() => void) | undefined;
      const forget = () => {
        unsubscribe?.();
        streams.delete(res);
      };
      const send = (event: string, data: unknown) => {
        // What the client has not taken yet stays in this process: a client that stopped reading is
        // dropped (a reset frees the kernel's buffers too) rather than buffered without end.
        if (res.writableLength > maxBufferedBytes) {
          dropped++;
          forget();
          request.log.warn({ buffered: res.writableLength }, 'dashboard stream dropped: the client is not reading');
          res.socket ? res.socket.resetAndDestroy() : res.destroy();
          return;
        }
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      res.write('retry: 1000\n\n');
      send('history', {
        interval_ms: sampler.intervalMs,
        points: sampler.points(),
        stats: sampler.lastStats() ?? null,
        sold_out_at: sampler.soldOutAt(),
      });
      if (res.destroyed) return;
      unsubscribe = sampler.subscribe((point, stats) =>
        send('sample', { point, stats, sold_out_at: sampler.soldOutAt() }),
      );
      streams.add(res);
      request.raw.on('close', forget);
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

/** /stats `dashboard` and its metrics: streams open now, and dropped for falling behind. */
function figures(telemetry: Telemetry, read: { clients: () => number; dropped: () => number }): void {
  telemetry.addSection('dashboard', () => ({ clients: read.clients(), dropped: read.dropped() }));
  new Gauge({
    name: 'flashsale_dashboard_clients',
    help: 'Live dashboard event streams open now',
    registers: [telemetry.registry],
    collect() {
      this.set(read.clients());
    },
  });
  counterFrom(telemetry.registry, {
    name: 'flashsale_dashboard_clients_dropped_total',
    help: 'Live dashboard event streams dropped because the client stopped reading',
    read: read.dropped,
  });
}
