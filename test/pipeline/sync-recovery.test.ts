import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { type ChildService, freePort, startChild } from '../support/child-service.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const SCALE = 0.05;
// Simulated ms. A scan interval of 3 s real: only the scan at start can settle an order within it.
const SCAN_MS = 60_000;
const PAYMENT_MS = 20_000; // 1 s real: time to kill the server in the middle of it
const DEADLINE_MS = 10_000; // 500 ms real
const real = (simulatedMs: number) => simulatedMs * SCALE;

const { dir, cleanup } = tempDir();
after(cleanup);

interface Order {
  order_id: string;
  status: string;
  failure_code?: string;
}

async function serve(db: string): Promise<ChildService> {
  const port = await freePort();
  const args = ['serve', '--db', db, '--port', String(port), '--time-scale', String(SCALE), '--workers', '0'];
  return startChild([...args, '--payment-latency', String(PAYMENT_MS)], {
    port,
    env: { FLASHSALE_SYNC_SCAN_INTERVAL_MS: String(SCAN_MS) },
  });
}

test('SIGKILL during a sync payment, 3 times: after each restart the order is final within one scan interval, its retry answers within its deadline, and it is charged at most once', async () => {
  const db = join(dir, 'sync-kill.db');
  let server = await serve(db);
  const orders: string[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const key = `sync-kill-${round}`;
      const headers = { 'idempotency-key': key, 'x-deadline-ms': String(DEADLINE_MS) };
      const body = sampleOrder(5000 + round, round);
      // A deadline longer than the payment, or admission control would refuse it.
      const patient = { ...headers, 'x-deadline-ms': String(3 * PAYMENT_MS) };
      const first = postJson(`${server.url}/orders/sync`, body, { headers: patient }).catch((error: Error) => error);
      await waitFor(
        async () => (await getJson<{ payments: { in_flight: number } }>(`${server.url}/stats`)).body.payments.in_flight,
        { message: `round ${round}: payment under way` },
      );
      // Somewhere inside the payment, not always at its start.
      await new Promise((resolve) => setTimeout(resolve, round * real(PAYMENT_MS) * 0.3));
      server.process.kill('SIGKILL');
      assert.equal(await server.exited, 'SIGKILL');
      assert.ok((await first) instanceof Error, `round ${round}: the first request got no answer`);

      server = await serve(db);
      const restarted = performance.now();
      // The client retries with its key: an answer within its deadline, whatever the order's state by then.
      const retry = await postJson<{ order_id?: string } & Order>(`${server.url}/orders/sync`, body, { headers });
      assert.ok(retry.ms < real(DEADLINE_MS) + 1000, `round ${round}: the retry took ${retry.ms.toFixed(0)} ms`);
      assert.ok([202, 402].includes(retry.status), `round ${round}: retry answered ${retry.status}`);
      const id = retry.body.order_id as string;
      orders.push(id);
      const final = await waitFor(
        async () => {
          const order = (await getJson<Order>(`${server.url}/orders/${id}`)).body;
          return order.status === 'failed' || order.status === 'completed' ? order : undefined;
        },
        { timeoutMs: real(SCAN_MS), message: `round ${round}: order final within one scan interval` },
      );
      console.log(
        `# round ${round}: final ${final.status} ${Math.round(performance.now() - restarted)} ms after restart`,
      );
      // Killed mid-payment: nothing was charged, so the order failed as interrupted.
      assert.equal(final.status, 'failed');
      assert.equal(final.failure_code, 'interrupted');

      const again = await postJson<{ error: string; order: Order }>(`${server.url}/orders/sync`, body, { headers });
      assert.equal(again.status, 402);
      assert.equal(again.body.error, 'payment_interrupted');
      assert.equal(again.headers.get('idempotent-replayed'), 'true');
      const notes = await getJson<{ notifications: Array<{ subject: string; body: string }> }>(
        `${server.url}/orders/${id}/notifications`,
      );
      assert.equal(notes.body.notifications.length, 1);
      assert.match(notes.body.notifications[0]?.body ?? '', /interrupted before the payment was taken/);
      const stats = await getJson<{ sync_recovery: { failed: number } }>(`${server.url}/stats`);
      assert.equal(stats.body.sync_recovery.failed, 1, 'the restarted server settled it');
    }
  } finally {
    server.process.kill('SIGTERM');
    await server.exited;
  }

  const sqlite = new Database(db, { readonly: true });
  try {
    const rows = sqlite.prepare('SELECT status FROM payment_ledger WHERE order_id = ?');
    for (const id of orders) {
      const statuses = (rows.all(id) as Array<{ status: string }>).map((r) => r.status);
      // The void is what keeps a payment still in some queue from going through later.
      assert.deepEqual(statuses, ['voided'], `order ${id}: no charge, one void`);
    }
  } finally {
    sqlite.close();
  }
});
