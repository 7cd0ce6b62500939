import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type OrderNode as RunningNode, startNode } from '../../src/service/node.js';
import { type Emulator, startEmulator, uniqueName } from '../support/fauxqs.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { startTestService, waitFor } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

interface Readiness {
  status: 'ready' | 'not_ready';
  checks: Record<string, { ok: boolean; detail?: string }>;
}

const ready = (url: string) => getJson<Readiness>(`${url}/ready`);
const healthy = async (url: string) => (await fetch(`${url}/health`)).status;

describe('GET /ready: readiness, apart from liveness', () => {
  test('embedded store: 200 with every check; 503 naming the store once it is closed, while /health stays 200', async () => {
    const service = await startTestService({ timeScale: 0.01 }, { dashboard: false });
    try {
      const up = await ready(service.url);
      assert.equal(up.status, 200);
      assert.deepEqual(up.body, {
        status: 'ready',
        checks: { store: { ok: true }, bus: { ok: true }, shutdown: { ok: true } },
      });
      await service.database.close();
      const down = await ready(service.url);
      assert.equal(down.status, 503);
      assert.equal(down.headers.get('retry-after'), '1');
      assert.equal(down.body.status, 'not_ready');
      assert.deepEqual(down.body.checks.store, { ok: false, detail: 'unavailable' });
      assert.equal(await healthy(service.url), 200, 'the process is alive: no restart');
    } finally {
      await service.stop();
    }
  });

  test('a process that is shutting down says so, so that traffic moves before it stops', async () => {
    const service = await startTestService({ timeScale: 0.01 }, { dashboard: false });
    try {
      service.readiness.shutDown();
      const stopping = await ready(service.url);
      assert.equal(stopping.status, 503);
      assert.deepEqual(stopping.body.checks.shutdown, { ok: false, detail: 'the process is shutting down' });
      assert.equal(stopping.body.checks.store?.ok, true);
      assert.equal(await healthy(service.url), 200);
    } finally {
      await service.stop();
    }
  });
});

describe('GET /ready on PostgreSQL + SNS/SQS (api role)', async () => {
  const pg = await probePostgres();
  let db: TestDatabase;
  let proxy: TcpProxy;
  let emulator: Emulator;
  let node: RunningNode;

  before(async () => {
    if (pg.skip) return;
    db = await createTestDatabase('flashsale_ready');
    proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    emulator = await startEmulator();
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const name = uniqueName('ready');
    node = await startNode(
      'api',
      {
        host: '127.0.0.1',
        port: 0,
        store: 'postgres',
        bus: 'sqs',
        databaseUrl: db.urlVia(proxy.port),
        aws: { endpoint: emulator.endpoint, provision: true },
        queue: { name: `${name}-queue`, topic: `${name}-topic` },
        logLevel: 'silent',
        timeScale: 0.01,
        shutdownGraceMs: 1000,
      },
      { dashboard: false },
    );
  });
  after(async () => {
    await node?.close();
    await proxy?.stop();
    await emulator?.stop();
    await db?.drop();
  });

  test('503 while PostgreSQL is unreachable, 200 again once it is back', { skip: pg.skip || false }, async () => {
    const up = await ready(node.url);
    assert.equal(up.status, 200, JSON.stringify(up.body));
    // An api node takes orders through the outbox: the store and the outbox are what it needs.
    assert.deepEqual(Object.keys(up.body.checks).sort(), ['outbox', 'shutdown', 'store']);

    await proxy.stop();
    try {
      const down = await waitFor(
        async () => {
          const r = await ready(node.url);
          return r.status === 503 ? r : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 100, message: '/ready to answer 503' },
      );
      assert.equal(down.body.checks.store?.ok, false);
      assert.equal(down.body.checks.shutdown?.ok, true);
      assert.ok(down.ms < 5000, `a probe answers within a load balancer's timeout (${Math.round(down.ms)} ms)`);
      assert.equal(await healthy(node.url), 200, 'liveness does not depend on PostgreSQL');
      // What /ready says is what an order gets.
      assert.equal((await postJson(`${node.url}/orders/async`, sampleOrder())).status, 503);
    } finally {
      await proxy.start();
    }
    await waitFor(async () => (await ready(node.url)).status === 200, {
      timeoutMs: 15_000,
      intervalMs: 100,
      message: '/ready back to 200',
    });
    assert.equal((await postJson(`${node.url}/orders/async`, sampleOrder())).status, 202);
  });
});
