/**
 * Oversubscribed, distributed: one hot sku with 300 units, 1,000 buyers (each
 * a customer of their own) spread over 3 api processes, paid by 2 worker
 * processes through 1 gateway that declines 10 % of payments, on PostgreSQL
 * and SNS/SQS (fauxqs). When the queue has drained exactly 300 units are
 * sold — declined units were sold again to later buyers — none oversold,
 * every buyer got 202 or 409 sold_out, the invariant held in every sample
 * taken during the sale and at the end, and the audit is clean.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type Emulator, emulatorEnv, startEmulator } from '../support/fauxqs.js';
import { type FlashsaleProcess, startFlashsale } from '../support/flashsale-process.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';

// A 3 s payment takes 600 ms; the visibility timeout (10 s) 2 s.
const TIME_SCALE = 0.2;
const STOCK = 300;
const BUYERS = 1000;
/**
 * Buyers arrive one every 25 ms (40/s) while the sale lasts, so that units of
 * declined payments find buyers; once every unit is paid the rest come at once.
 */
const ARRIVAL_MS = 25;
const WORKERS_PER_PROCESS = 16;
const TOKEN = 'sellout-distributed-admin-token-0123';
const SKU = 'FLASH-001';

const probe = await probePostgres();

interface Counters {
  initial: number;
  available: number;
  reserved: number;
  sold: number;
}

describe('oversubscribed, distributed: 3 api + 2 worker + 1 gateway, one hot sku', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let emulator: Emulator;
  let gateway: FlashsaleProcess;
  let apis: FlashsaleProcess[] = [];
  let workers: FlashsaleProcess[] = [];
  const all = () => [...apis, ...workers, gateway].filter(Boolean);

  before(async () => {
    db = await createTestDatabase('flashsale_sellout');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    emulator = await startEmulator();
    const env = {
      ...emulatorEnv(`http://127.0.0.1:${emulator.port}`),
      DATABASE_URL: db.url,
      FLASHSALE_STORE: 'postgres',
      FLASHSALE_TIME_SCALE: String(TIME_SCALE),
      FLASHSALE_ADMIN_TOKEN: TOKEN,
    };
    // Small pools: the PostgreSQL server is shared with other tests.
    const common = ['--host', '127.0.0.1', '--port', '0', '--pg-pool-size', '4'];
    gateway = await startFlashsale('gateway', ['gateway', ...common, '--payment-slots', '0', '--decline-rate', '0.1'], {
      env,
    });
    const node = [...common, '--bus', 'sqs', '--provision', '--gateway-url', gateway.url];
    const worker = ['worker', ...node, '--visibility-timeout', '10000', '--workers', String(WORKERS_PER_PROCESS)];
    // A loaded machine starts six processes slowly.
    const opts = { env, timeoutMs: 90_000 };
    const started = await Promise.all([
      startFlashsale('api-1', ['api', ...node], opts),
      startFlashsale('api-2', ['api', ...node], opts),
      startFlashsale('api-3', ['api', ...node], opts),
      startFlashsale('worker-1', worker, opts),
      startFlashsale('worker-2', worker, opts),
    ]);
    apis = started.slice(0, 3);
    workers = started.slice(3);
  });

  after(async () => {
    await Promise.all(all().map((p) => p.stop(5000)));
    await sql?.end();
    await emulator?.stop();
    await db?.drop();
  });

  async function call(url: string, method: string, path: string, body?: unknown, token?: string) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  async function counters(): Promise<Counters | undefined> {
    const { rows } = await sql.query<Counters>(
      'SELECT initial::int, available::int, reserved::int, sold::int FROM products WHERE sku = $1',
      [SKU],
    );
    return rows[0];
  }

  test('the processes start and the product set on one api is sold by all three', async () => {
    const put = await call(apis[0]!.url, 'PUT', `/admin/products/${SKU}`, { price: 29.99, stock: STOCK }, TOKEN);
    assert.ok(put.status === 201 || put.status === 200, JSON.stringify(put.body));
    for (const api of apis) {
      const product = await call(api.url, 'GET', `/products/${SKU}`);
      assert.equal(product.status, 200, api.name);
      assert.deepEqual(product.body.stock, { initial: STOCK, available: STOCK, reserved: 0, sold: 0 }, api.name);
    }
  });

  test('1,000 buyers over 3 APIs: exactly 300 sold, none oversold, every buyer 202 or 409 sold_out, audit clean', async () => {
    // The invariant, sampled from the database through the sale.
    const broken: Array<Counters & { at: number }> = [];
    let samples = 0;
    let sampling = true;
    let latest: Counters | undefined;
    const sampler = (async () => {
      while (sampling) {
        const c = await counters();
        latest = c;
        if (c) {
          samples++;
          if (c.initial !== c.available + c.reserved + c.sold || c.available < 0 || c.sold > c.initial) {
            broken.push({ ...c, at: Date.now() });
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    let accepted = 0;
    let refused = 0;
    try {
      const answers: Array<Promise<{ status: number; body: Record<string, unknown> }>> = [];
      const start = performance.now();
      for (let i = 0; i < BUYERS; i++) {
        // Buyers arrive at fixed times (open loop), each a customer of their own.
        const over = latest?.sold === STOCK && latest.reserved === 0;
        const due = start + i * ARRIVAL_MS - performance.now();
        if (due > 0 && !over) await new Promise((resolve) => setTimeout(resolve, due));
        const api = apis[i % apis.length]!;
        const order = { customer_id: 500_000 + i, items: [{ product_id: SKU, quantity: 1, price: 29.99 }] };
        answers.push(call(api.url, 'POST', '/orders/async', order));
      }
      const results = await Promise.all(answers);

      accepted = results.filter((r) => r.status === 202).length;
      const soldOut = results.filter((r) => r.status === 409 && r.body.error === 'sold_out');
      refused = soldOut.length;
      const others = results.filter((r) => r.status !== 202 && !(r.status === 409 && r.body.error === 'sold_out'));
      assert.deepEqual(
        others.slice(0, 5).map((r) => [r.status, r.body]),
        [],
        `${others.length} buyers got neither 202 nor 409 sold_out`,
      );
      for (const r of soldOut) {
        assert.equal(r.body.sku, SKU);
        assert.equal(typeof r.body.available, 'number');
      }
      assert.ok(accepted >= STOCK, `${accepted} accepted`);
      assert.ok(refused > 0, `buyers beyond the stock are told sold out (${accepted} accepted)`);

      // Drained: no order waits or is being paid, no unit reserved.
      let seen = '';
      await waitFor(
        async () => {
          const { rows } = await sql.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM orders GROUP BY status ORDER BY status',
          );
          const c = await counters();
          seen = `orders ${JSON.stringify(rows)}, ${SKU} ${JSON.stringify(c)}`;
          return !rows.some((r) => r.status === 'pending' || r.status === 'processing') && c?.reserved === 0;
        },
        { timeoutMs: 60_000, intervalMs: 100, message: 'the queue to drain' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}; last seen: ${seen}`);
      });
    } finally {
      sampling = false;
      await sampler;
    }

    assert.deepEqual(await counters(), { initial: STOCK, available: 0, reserved: 0, sold: STOCK });
    const { rows } = await sql.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status ORDER BY status',
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    // None oversold: the completed orders (one unit each) are exactly the stock.
    assert.equal(byStatus.completed, STOCK, JSON.stringify(byStatus));
    // Every accepted order was paid or declined (its unit sold again); a refused buyer stored nothing.
    assert.equal((byStatus.completed ?? 0) + (byStatus.failed ?? 0), accepted, JSON.stringify(byStatus));
    assert.ok((byStatus.failed ?? 0) > 0, 'some payments were declined and their units sold again');
    assert.equal(accepted + refused, BUYERS);

    assert.ok(samples > 20, `${samples} samples of the counters`);
    assert.deepEqual(broken, [], 'the invariant held in every sample');
    const audit = await call(apis[1]!.url, 'GET', '/admin/products/audit', undefined, TOKEN);
    assert.equal(audit.status, 200);
    assert.equal(audit.body.clean, true, JSON.stringify(audit.body));
    // Every API process shows the sale as it ended.
    for (const api of apis) {
      const stats = await call(api.url, 'GET', '/stats');
      const stock = (stats.body.stock as Record<string, Counters & { sold_out: boolean }>)[SKU];
      assert.equal(stock?.sold, STOCK, api.name);
      assert.equal(stock?.sold_out, true, api.name);
    }
  });
});
