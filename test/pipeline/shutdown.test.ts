import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, startChild } from '../support/child-service.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const { dir, cleanup } = tempDir();
after(cleanup);

test('SIGTERM: stops accepting, lets in-flight payments finish, exits 0; a restart pays the rest once', async () => {
  const db = join(dir, 'shutdown.db');
  const args = ['serve', '--db', db, '--time-scale', '0.05', '--workers', '4', '--payment-slots', '0'];
  let port = await freePort();
  const child = await startChild([...args, '--port', String(port)], { port });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await postJson<{ order_id: string }>(`${child.url}/orders/async`, sampleOrder(100 + i));
    assert.equal(r.status, 202);
    ids.push(r.body.order_id);
  }
  await waitFor(
    async () => (await getJson<{ payments: { in_flight: number } }>(`${child.url}/stats`)).body.payments.in_flight > 0,
    {
      message: 'payments in flight',
    },
  );
  child.process.kill('SIGTERM');
  assert.equal(await child.exited, 0, child.output());
  assert.match(child.output(), /SIGTERM received/);

  const sqlite = new Database(db, { readonly: true });
  const statuses = sqlite.prepare('SELECT status, COUNT(*) AS n FROM orders GROUP BY status').all() as Array<{
    status: string;
    n: number;
  }>;
  const paidBeforeExit = (sqlite.prepare('SELECT COUNT(*) AS n FROM payment_ledger').get() as { n: number }).n;
  sqlite.close();
  const completed = statuses.find((s) => s.status === 'completed')?.n ?? 0;
  // Every payment that had started was allowed to finish and was recorded with its order.
  assert.ok(completed >= 4, `at least the first round finished before exit (${completed})`);
  assert.equal(paidBeforeExit, completed);

  port = await freePort();
  const again = await startChild([...args, '--port', String(port)], { port });
  try {
    for (const id of ids) {
      await waitFor(
        async () => (await getJson<{ status: string }>(`${again.url}/orders/${id}`)).body.status === 'completed',
        {
          message: `order ${id} completed after restart`,
        },
      );
    }
  } finally {
    again.process.kill('SIGTERM');
    await again.exited;
  }
  const after = new Database(db, { readonly: true });
  const dup = after
    .prepare('SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING COUNT(*) > 1)')
    .get() as { n: number };
  const charges = (after.prepare('SELECT COUNT(*) AS n FROM payment_ledger').get() as { n: number }).n;
  after.close();
  assert.equal(dup.n, 0);
  assert.equal(charges, 12);
});
