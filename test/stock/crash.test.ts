import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import type { StockAudit } from '../../src/core/stock-audit.js';
import { freePort, startChild } from '../support/child-service.js';
import { getJson, postJson } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const { dir, cleanup } = tempDir();
after(cleanup);

const TOKEN = 'stock-crash-test-admin-token-0123456789';
const FLASH = { product_id: 'FLASH-001', quantity: 1, price: 29.99 };

/** Buys one unit per customer, 8 at a time, until the server stops answering; returns the ids that got a 202. */
async function buyUntilDown(url: string, customerBase: number): Promise<string[]> {
  const accepted: string[] = [];
  let next = 0;
  let down = false;
  const buyer = async () => {
    while (!down) {
      const customer = customerBase + next++;
      try {
        const r = await postJson<{ order_id: string }>(`${url}/orders/async`, {
          customer_id: customer,
          items: [FLASH],
        });
        if (r.status === 202) accepted.push(r.body.order_id);
        else throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
      } catch (error) {
        // Once the server is killed, refused or reset connections are expected.
        if ((error as Error).message.startsWith('unexpected')) throw error;
        down = true;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, buyer));
  return accepted;
}

async function audit(url: string): Promise<StockAudit> {
  const response = await fetch(`${url}/admin/products/audit`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await response.json()) as StockAudit;
}

test('SIGKILL mid-sale, 5 times: after each restart the stock adds up; every unit sold is one completed order charged once', async () => {
  const db = join(dir, 'crash.db');
  const catalog = join(dir, 'catalog.json');
  writeFileSync(catalog, JSON.stringify([{ sku: 'FLASH-001', price: 29.99, stock: 5000, per_customer_limit: 1 }]));
  const args = ['serve', '--db', db, '--catalog', catalog, '--time-scale', '0.02', '--workers', '10'];
  const flags = [...args, '--payment-slots', '0', '--decline-rate', '0.1'];
  const env = { FLASHSALE_ADMIN_TOKEN: TOKEN };
  const accepted: string[] = [];
  for (let round = 0; round < 5; round++) {
    const port = await freePort();
    const child = await startChild([...flags, '--port', String(port)], { port, env });
    try {
      const found = await audit(child.url);
      assert.ok(found.clean, `round ${round}, after the restart: ${JSON.stringify(found.skus)}`);
    } catch (error) {
      child.process.kill('SIGKILL');
      throw error;
    }
    const sale = buyUntilDown(child.url, 1 + round * 100_000);
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
    const got = await sale;
    assert.ok(got.length >= 40, `round ${round}: ${got.length} orders accepted before the kill`);
    accepted.push(...got);
  }

  const port = await freePort();
  const survivor = await startChild([...flags, '--port', String(port)], { port, env });
  try {
    await waitFor(
      async () => {
        const stats = (await getJson<{ orders: Record<string, number> }>(`${survivor.url}/stats`)).body;
        return stats.orders.pending === 0 && stats.orders.processing === 0;
      },
      { timeoutMs: 30_000, message: 'every order final' },
    );
    const found = await audit(survivor.url);
    assert.ok(found.clean, JSON.stringify(found.skus));
  } finally {
    survivor.process.kill('SIGTERM');
    await survivor.exited;
  }

  const sqlite = new Database(db, { readonly: true });
  try {
    const product = sqlite.prepare("SELECT * FROM products WHERE sku = 'FLASH-001'").get() as {
      initial: number;
      available: number;
      reserved: number;
      sold: number;
    };
    const orders = sqlite
      .prepare('SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status')
      .all() as Array<{ status: string; n: number }>;
    const completed = orders.find((o) => o.status === 'completed')?.n ?? 0;
    const failed = orders.find((o) => o.status === 'failed')?.n ?? 0;
    // An order stored just before a kill may never have had its 202 sent: at least every 202, all final.
    assert.equal(
      completed + failed,
      orders.reduce((sum, o) => sum + o.n, 0),
      'every order final',
    );
    const status = sqlite.prepare('SELECT status FROM orders WHERE order_id = ?');
    for (const id of accepted) {
      const row = status.get(id) as { status: string } | undefined;
      assert.ok(
        row && (row.status === 'completed' || row.status === 'failed'),
        `order ${id} got a 202: ${row?.status}`,
      );
    }
    assert.equal(product.reserved, 0, 'no reservation left behind');
    assert.equal(product.sold, completed, 'one unit sold per completed order');
    assert.equal(product.available, product.initial - completed, 'declined units came back');
    const approved = sqlite
      .prepare(
        "SELECT COUNT(*) AS n FROM payment_ledger l JOIN orders o USING (order_id) WHERE l.status = 'approved' AND o.status = 'completed'",
      )
      .get() as { n: number };
    assert.equal(approved.n, completed, 'each completed order charged');
    const duplicates = sqlite
      .prepare('SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING COUNT(*) > 1)')
      .get() as { n: number };
    assert.equal(duplicates.n, 0, 'no order charged twice');
    const paidButFailed = sqlite
      .prepare(
        "SELECT COUNT(*) AS n FROM payment_ledger l JOIN orders o USING (order_id) WHERE l.status = 'approved' AND o.status <> 'completed'",
      )
      .get() as { n: number };
    assert.equal(paidButFailed.n, 0, 'no charged order released its units');
    console.log(`# ${accepted.length} orders accepted across 5 kills: ${completed} sold, ${failed} released`);
  } finally {
    sqlite.close();
  }
});
