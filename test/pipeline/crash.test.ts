import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { freePort, startChild } from '../support/child-service.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const { dir, cleanup } = tempDir();
after(cleanup);

/** Sends async orders, 8 at a time, until the server stops answering; returns the ids that got a 202. */
async function streamUntilDown(url: string, customerBase: number): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  let down = false;
  const sender = async () => {
    while (!down) {
      const customer = customerBase + next++;
      try {
        const r = await postJson<{ order_id: string }>(`${url}/orders/async`, sampleOrder(customer, customer));
        if (r.status === 202) accepted.push(r.body.order_id);
        else throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      } catch (error) {
        // Once the server is killed, refused or reset connections are expected.
        if ((error as Error).message.startsWith('unexpected')) throw error;
        down = true;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, sender));
  return accepted;
}

test('SIGKILL mid-stream, 5 times: every 202 survives, reaches a final state, and is charged exactly once', async () => {
  const db = join(dir, 'crash.db');
  const args = ['serve', '--db', db, '--time-scale', '0.02', '--workers', '10', '--payment-slots', '0'];
  const accepted: string[] = [];
  for (let round = 0; round < 5; round++) {
    const port = await freePort();
    const child = await startChild([...args, '--port', String(port)], { port });
    const stream = streamUntilDown(child.url, 1 + round * 100_000);
    try {
      // Let orders flow and payments start, then pull the plug without warning.
      await waitFor(
        async () => (await getJson<{ accepted: { async: number } }>(`${child.url}/stats`)).body.accepted.async >= 40,
        { timeoutMs: 10_000, message: 'orders flowing' },
      );
    } finally {
      child.process.kill('SIGKILL');
    }
    assert.equal(await child.exited, 'SIGKILL');
    const got = await stream;
    assert.ok(got.length >= 40, `round ${round}: ${got.length} orders accepted before the kill`);
    accepted.push(...got);
  }

  const port = await freePort();
  const survivor = await startChild([...args, '--port', String(port)], { port });
  try {
    await waitFor(
      async () => {
        const stats = (await getJson<{ orders: Record<string, number> }>(`${survivor.url}/stats`)).body;
        return stats.orders.pending === 0 && stats.orders.processing === 0;
      },
      { timeoutMs: 30_000, message: 'every order final' },
    );
    for (const id of accepted.slice(0, 20)) {
      const r = await getJson<{ status: string }>(`${survivor.url}/orders/${id}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'completed');
    }
  } finally {
    survivor.process.kill('SIGTERM');
    await survivor.exited;
  }

  const sqlite = new Database(db, { readonly: true });
  try {
    const status = sqlite.prepare('SELECT status FROM orders WHERE order_id = ?');
    const charges = sqlite.prepare(
      "SELECT COUNT(*) AS n FROM payment_ledger WHERE order_id = ? AND status = 'approved'",
    );
    for (const id of accepted) {
      const row = status.get(id) as { status: string } | undefined;
      assert.ok(row, `order ${id} got a 202 but is not in the database`);
      assert.equal(row.status, 'completed', `order ${id}`);
      assert.equal((charges.get(id) as { n: number }).n, 1, `order ${id} charged once`);
    }
    const duplicates = sqlite
      .prepare('SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING COUNT(*) > 1)')
      .get() as { n: number };
    assert.equal(duplicates.n, 0);
    console.log(`# ${accepted.length} orders accepted across 5 kills; all completed, one charge each`);
  } finally {
    sqlite.close();
  }
});
