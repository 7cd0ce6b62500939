import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import type { Product } from '../../src/core/stock.js';
import type { StockAudit } from '../../src/core/stock-audit.js';
import { freePort, startChild } from '../support/child-service.js';
import { postJson } from '../support/orders.js';
import { startTestService, type TestService, tempDir, waitFor } from '../support/service.js';

const TOKEN = 'stock-sale-test-admin-token-0123456789';
const JSON_TYPE = { 'content-type': 'application/json' };

const services: TestService[] = [];
after(async () => {
  for (const service of services) await service.stop();
});

const FLASH = { product_id: 'FLASH-001', quantity: 1, price: 29.99 };

async function sale(overrides: Parameters<typeof startTestService>[0] = {}) {
  const service = await startTestService({
    timeScale: 0.002,
    workers: 32,
    payment: { latencyMs: 3000, slots: 0 },
    ...overrides,
  });
  services.push(service);
  return service;
}

/** Every sku's counters against the orders; throws on any drift. */
async function assertInvariant(service: TestService, when: string) {
  const audit = await service.catalog!.audit();
  assert.ok(audit.clean, `${when}: ${JSON.stringify(audit.skus.filter((s) => s.drift.length > 0))}`);
  for (const counts of await service.catalog!.counts()) {
    assert.equal(counts.initial, counts.available + counts.reserved + counts.sold, `${when}: ${counts.sku}`);
    assert.ok(counts.available >= 0 && counts.sold <= counts.initial, `${when}: ${JSON.stringify(counts)}`);
  }
}

test('1,000 units, 5,000 buyers, 10% declined: exactly 1,000 sold, none oversold, every buyer 202 or 409 sold_out', async () => {
  // The server in its own process (as in production), the buyers here over a pool of keep-alive connections.
  const { dir, cleanup } = tempDir();
  const db = join(dir, 'sale.db');
  const catalog = join(dir, 'catalog.json');
  writeFileSync(catalog, JSON.stringify([{ sku: 'FLASH-001', price: 29.99, stock: 1000, per_customer_limit: 1 }]));
  const port = await freePort();
  const server = await startChild(
    ['serve', '--db', db, '--catalog', catalog, '--port', String(port), '--time-scale', '0.002'],
    {
      port,
      env: {
        FLASHSALE_ADMIN_TOKEN: TOKEN,
        FLASHSALE_WORKERS: '48',
        FLASHSALE_PAYMENT_SLOTS: '0',
        FLASHSALE_DECLINE_RATE: '0.1',
      },
    },
  );
  // Buyers over a pool of keep-alive connections; the audits and the product page over another.
  const pool = new Pool(server.url, { connections: 64 });
  const watch = new Pool(server.url, { connections: 2 });
  const get = async <T>(path: string): Promise<T> => {
    const response = await watch.request({ path, method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
    return (await response.body.json()) as T;
  };
  let selling = true;
  try {
    // The invariant, sampled while the sale runs.
    let samples = 0;
    const t0 = Date.now();
    const answers = new Map<number, number>();
    const sampler = (async () => {
      while (selling) {
        const audit = await get<StockAudit>('/admin/products/audit');
        assert.ok(audit.clean, `sample ${samples}: ${JSON.stringify(audit.skus)}`);
        const { stock } = await get<Product>('/products/FLASH-001');
        assert.equal(stock.initial, stock.available + stock.reserved + stock.sold, `sample ${samples}`);
        samples++;
        if (process.env.STOCK_TRACE)
          console.log(`t=${Date.now() - t0} ${JSON.stringify(stock)} ${JSON.stringify([...answers])}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const errors: string[] = [];
    let customer = 10_000;
    const buy = async () => {
      const body = JSON.stringify({ customer_id: customer++, items: [FLASH] });
      try {
        const r = await pool.request({ path: '/orders/async', method: 'POST', headers: JSON_TYPE, body });
        const answer = (await r.body.json()) as { error?: string };
        answers.set(r.statusCode, (answers.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode !== 202 && !(r.statusCode === 409 && answer.error === 'sold_out'))
          errors.push(`${r.statusCode} ${JSON.stringify(answer)}`);
      } catch (error) {
        errors.push((error as Error).message);
      }
    };
    // 4,000 buyers at once; the other 1,000 watch the product page and buy as soon as units come
    // back from declined payments — until every unit is sold and paid (or they are all served).
    const buyers = 5000;
    const rush = 4000;
    await Promise.all(Array.from({ length: rush }, buy));
    let late = buyers - rush;
    const watchers: Promise<void>[] = [];
    const until = Date.now() + 30_000;
    for (;;) {
      const { stock } = await get<Product>('/products/FLASH-001');
      if (stock.sold === stock.initial || late === 0 || Date.now() > until) break;
      const now = Math.min(late, stock.available);
      late -= now;
      watchers.push(...Array.from({ length: now }, buy));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    watchers.push(...Array.from({ length: late }, buy));
    await Promise.all(watchers);
    const soldOutAt = Date.now() - t0;
    assert.deepEqual(errors.slice(0, 5), [], 'every buyer got 202 or 409 sold_out');

    await waitFor(
      async () => {
        const stats = await get<{ orders: Record<string, number> }>('/stats');
        return stats.orders.pending === 0 && stats.orders.processing === 0;
      },
      { timeoutMs: 20_000, message: 'the queue drained' },
    );
    selling = false;
    await sampler;
    const audit = await get<StockAudit>('/admin/products/audit');
    assert.ok(audit.clean, JSON.stringify(audit.skus));

    const product = await get<Product>('/products/FLASH-001');
    const stats = await get<{ orders: Record<string, number>; rejected: Record<string, number> }>('/stats');
    assert.deepEqual(product.stock, { initial: 1000, available: 0, reserved: 0, sold: 1000 });
    assert.equal(stats.orders.completed, 1000, 'one completed order per unit sold');
    assert.ok((stats.orders.failed ?? 0) > 0, 'some payments were declined');
    assert.equal(answers.get(202), (stats.orders.completed ?? 0) + (stats.orders.failed ?? 0), 'every 202 is an order');
    assert.equal((answers.get(202) ?? 0) + (answers.get(409) ?? 0), buyers);
    assert.equal(stats.rejected.sold_out, answers.get(409));
    assert.ok(samples >= 3, `${samples} invariant samples during the sale`);
    console.log(
      `# ${answers.get(202)} accepted (${stats.orders.failed} declined, their units sold again), ${answers.get(409)} sold out; ${samples} audits during the sale; buyers done in ${soldOutAt} ms`,
    );
  } finally {
    selling = false;
    await pool.close();
    await watch.close();
    server.process.kill('SIGTERM');
    await server.exited;
  }
  const sqlite = new Database(db, { readonly: true });
  try {
    const charged = sqlite.prepare("SELECT COUNT(*) AS n FROM payment_ledger WHERE status = 'approved'").get();
    assert.deepEqual(charged, { n: 1000 }, 'one charge per unit sold');
    const twice = sqlite
      .prepare('SELECT COUNT(*) AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING COUNT(*) > 1)')
      .get();
    assert.deepEqual(twice, { n: 0 });
  } finally {
    sqlite.close();
    cleanup();
  }
});

test('limit 1 per customer: 50 concurrent orders by one customer → exactly one 202', async () => {
  const service = await sale();
  await service.catalog!.put({
    sku: 'FLASH-001',
    name: 'Flash mug',
    priceCents: 2999,
    stock: 100,
    perCustomerLimit: 1,
    startsAt: null,
    endsAt: null,
  });
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      postJson<{ error?: string; limit?: number }>(`${service.url}/orders/async`, {
        customer_id: 77,
        items: [FLASH],
      }),
    ),
  );
  assert.equal(answers.filter((r) => r.status === 202).length, 1);
  const refused = answers.filter((r) => r.status === 409);
  assert.equal(refused.length, 49);
  for (const r of refused) assert.deepEqual([r.body.error, r.body.limit], ['limit_exceeded', 1]);
  assert.equal((await service.store.counts()).orders, 1);
  await assertInvariant(service, 'after the burst');
});
