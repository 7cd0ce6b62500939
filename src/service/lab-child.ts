/**
 * The process a lab phase runs its flashsale in (forked by the lab's
 * ServiceProcess, by file path: the lab imports nothing of the service). A separate process gives the service its own core, so the
 * load generator and the server do not share one event loop, and lets the lab
 * read the service's own CPU and memory use.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigOverrides } from '../config/config.js';
import type { DashboardOptions } from '../dashboard/routes.js';
import type { ChildReply, ChildRequest, ChildSetup } from '../lab/protocol.js';
import { startNode } from './node.js';

const setup = JSON.parse(process.env.FLASHSALE_LAB_CHILD ?? '{}') as ChildSetup;

function send(message: ChildReply): void {
  process.send?.(message);
}

/**
 * Runs a throwaway service on its own database through a few thousand
 * requests, so the measured service starts with compiled (JIT) code rather
 * than paying for it during the first second of a phase.
 */
async function warmUp(requests: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-lab-warmup-'));
  const warm = await startNode(
    'serve',
    {
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, 'warmup.db'),
      logLevel: 'silent',
      workers: 0,
      payment: { latencyMs: 1, slots: 0 },
      shutdownGraceMs: 500,
    },
    { dashboard: false },
  );
  const body = JSON.stringify({
    customer_id: 1234,
    items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }],
  });
  const post = (path: string) =>
    fetch(`${warm.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) =>
      r.arrayBuffer(),
    );
  try {
    for (let sent = 0; sent < requests; sent += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => post(i % 10 === 0 ? '/orders/sync' : '/orders/async')));
    }
  } finally {
    await warm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (setup.warmUpRequests > 0) await warmUp(setup.warmUpRequests);
  const dashboard: DashboardOptions | false = setup.dashboardIntervalMs
    ? { intervalMs: setup.dashboardIntervalMs }
    : false;
  const service = await startNode('serve', setup.config as ConfigOverrides, { dashboard });

  // Peak resident memory between two usage readings.
  let peakRss = process.memoryUsage.rss();
  const rssTimer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 50);
  rssTimer.unref();

  process.on('message', (message: ChildRequest) => {
    switch (message.type) {
      case 'usage': {
        const memory = process.memoryUsage();
        const cpu = process.cpuUsage();
        send({
          type: 'usage',
          id: message.id,
          cpuUserUs: cpu.user,
          cpuSystemUs: cpu.system,
          rssBytes: memory.rss,
          peakRssBytes: Math.max(peakRss, memory.rss),
          heapUsedBytes: memory.heapUsed,
        });
        peakRss = memory.rss;
        break;
      }
      case 'workers':
        // As an operator would: through processing control, which the breaker and autoscaler also answer to.
        service.resilience.control?.setWorkers(message.count, 'operator');
        send({ type: 'done', id: message.id });
        break;
      case 'close':
        clearInterval(rssTimer);
        service.close().then(
          () => {
            send({ type: 'done', id: message.id });
            process.disconnect?.();
          },
          (error: unknown) => {
            send({ type: 'error', id: message.id, message: String(error) });
            process.exit(1);
          },
        );
        break;
    }
  });
  // The lab went away without closing us: stop rather than linger.
  process.on('disconnect', () => {
    void service.close().finally(() => process.exit(0));
  });
  send({ type: 'ready', url: service.url, pid: process.pid });
}

main().catch((error: unknown) => {
  send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
