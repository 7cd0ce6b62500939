import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

let service: TestService;
before(async () => {
  service = await startTestService({
    timeScale: 0.01,
    workers: 5,
    payment: { latencyMs: 3000, slots: 0, declineRate: 0.3 },
    queue: { maxReceiveCount: 2, retryDelayMs: 100 },
  });
});
after(async () => service.stop());

function scanned() {
  const db = service.database.db;
  const orders = Object.fromEntries(
    (
      db.prepare('SELECT status, COUNT(*) AS n FROM orders GROUP BY status').all() as Array<{
        status: string;
        n: number;
      }>
    ).map((r) => [r.status, r.n]),
  );
  const now = Date.now();
  const bus = db
    .prepare(
      `SELECT COALESCE(SUM(dead = 0 AND visible_at <= ?), 0) AS visible, COALESCE(SUM(dead = 0 AND visible_at > ?), 0) AS inFlight,
              COALESCE(SUM(dead = 1), 0) AS deadLetters FROM bus_messages WHERE queue = 'order-processing-queue'`,
    )
    .get(now, now) as { visible: number; inFlight: number; deadLetters: number };
  return { orders, bus };
}

test('the trigger-kept counts of /stats equal a full scan after accepts, completions, declines, dead letters and redrive', async () => {
  for (let i = 0; i < 40; i++) {
    assert.equal((await postJson(`${service.url}/orders/async`, sampleOrder(1 + i, i))).status, 202);
  }
  for (let i = 0; i < 3; i++)
    assert.ok([200, 402].includes((await postJson(`${service.url}/orders/sync`, sampleOrder(900 + i))).status));
  // Mid-flight, some messages hidden and some visible: the split must match too.
  const midCounts = await service.store.countByStatus();
  assert.deepEqual(Object.fromEntries(Object.entries(midCounts).filter(([, n]) => n > 0)), scanned().orders);

  await waitFor(
    async () =>
      (await service.bus.depth('order-processing-queue')).visible +
        (await service.bus.depth('order-processing-queue')).inFlight ===
      0,
    {
      message: 'queue drained',
    },
  );
  service.gateway.configure({ errorRate: 1, declineRate: 0 });
  assert.equal((await postJson(`${service.url}/orders/async`, sampleOrder(5000))).status, 202);
  await waitFor(async () => (await service.bus.depth('order-processing-queue')).deadLetters === 1, {
    message: 'dead-lettered',
  });

  const counts = await service.store.countByStatus();
  const scan = scanned();
  assert.deepEqual(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0)), scan.orders);
  assert.deepEqual(await service.bus.depth('order-processing-queue'), scan.bus);
  assert.equal(counts.completed + counts.failed, 44);

  service.gateway.configure({ errorRate: 0 });
  assert.equal(await service.bus.redrive('order-processing-queue'), 1);
  assert.deepEqual(await service.bus.depth('order-processing-queue'), { ...scanned().bus });
  assert.equal((await service.bus.depth('order-processing-queue')).deadLetters, 0);
});
