import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Contract, recordExchanges } from '../support/contract.js';
import { getJson, postJson } from '../support/orders.js';
import { startTestService, type TestService } from '../support/service.js';

const HOUR = 3_600_000;

describe('orders the catalog refuses: a clear 409 or 422, nothing stored', () => {
  const services: TestService[] = [];
  after(async () => {
    for (const service of services) await service.stop();
  });

  // Open: payments take 100 s (simulated), so no order settles while the test compares rows.
  async function start(mode: 'open' | 'closed') {
    const recorder = recordExchanges();
    const service = await startTestService(
      {
        timeScale: 0.01,
        payment: { latencyMs: mode === 'open' ? 100_000 : 100, slots: 0 },
        catalog: { mode },
        shutdownGraceMs: 200,
      },
      { plugins: [recorder.plugin], dashboard: false },
    );
    services.push(service);
    const product = { name: 'Mug', priceCents: 2999, perCustomerLimit: null, startsAt: null, endsAt: null };
    await service.catalog!.put({ ...product, sku: 'MUG', stock: 5, perCustomerLimit: 2 });
    await service.catalog!.put({
      ...product,
      sku: 'LATER',
      stock: 5,
      startsAt: new Date(Date.now() + HOUR).toISOString(),
    });
    await service.catalog!.put({
      ...product,
      sku: 'GONE',
      stock: 5,
      endsAt: new Date(Date.now() - HOUR).toISOString(),
    });
    return { service, exchanges: recorder.exchanges };
  }

  /** Every row an order could leave: orders, messages, notifications, idempotency keys, stock. */
  function rows(service: TestService) {
    const { db } = service.database;
    return {
      counts: db
        .prepare('SELECT (SELECT COUNT(*) FROM orders) AS orders, (SELECT COUNT(*) FROM bus_messages) AS messages')
        .get(),
      keys: db.prepare('SELECT COUNT(*) AS n FROM idempotency_keys').get(),
      products: db.prepare('SELECT * FROM products ORDER BY sku').all(),
      customers: db.prepare('SELECT * FROM customer_units ORDER BY sku, customer_id').all(),
    };
  }

  const line = (product_id: string, quantity = 1, price = 29.99) => ({ product_id, quantity, price });

  test('closed mode: an unknown sku is 422 unknown_sku naming the line; refusals store nothing, on both routes', async () => {
    const { service, exchanges } = await start('closed');
    const before = rows(service);
    const cases: Array<[string, unknown[], number, Record<string, unknown>]> = [
      [
        'unknown sku',
        [line('MUG'), line('NOPE')],
        422,
        { error: 'unknown_sku', sku: 'NOPE', field: 'items[1].product_id' },
      ],
      ['price changed', [line('MUG', 1, 19.99)], 409, { error: 'price_changed', sku: 'MUG', price: 29.99 }],
      ['before the window', [line('LATER')], 409, { error: 'not_on_sale', sku: 'LATER', ends_at: null }],
      ['after the window', [line('GONE')], 409, { error: 'not_on_sale', sku: 'GONE', starts_at: null }],
      [
        'over the limit',
        [line('MUG', 2), line('MUG', 1)],
        409,
        { error: 'limit_exceeded', sku: 'MUG', limit: 2, held: 0 },
      ],
      ['more than left', [line('MUG', 6)], 409, { error: 'limit_exceeded', sku: 'MUG', limit: 2 }],
    ];
    for (const route of ['async', 'sync']) {
      for (const [what, items, status, expected] of cases) {
        const r = await postJson<Record<string, unknown>>(
          `${service.url}/orders/${route}`,
          { customer_id: 9, items },
          { headers: { 'idempotency-key': `${route}-${what}` } },
        );
        assert.equal(r.status, status, `${route} ${what}: ${JSON.stringify(r.body)}`);
        assert.deepEqual({ ...r.body, ...expected }, r.body, `${route} ${what}`);
        assert.equal(typeof r.body.message, 'string');
        assert.deepEqual(rows(service), before, `${route} ${what}: nothing stored`);
      }
    }
    const stats = (await getJson<{ rejected: Record<string, number> }>(`${service.url}/stats`)).body;
    assert.deepEqual(stats.rejected, {
      sold_out: 0,
      limit_exceeded: 4,
      price_changed: 2,
      not_on_sale: 4,
      unknown_sku: 2,
    });
    // A refused key is free: the same key with an order that can be sold is taken.
    const retried = await postJson(
      `${service.url}/orders/async`,
      { customer_id: 9, items: [line('MUG')] },
      { headers: { 'idempotency-key': 'async-price changed' } },
    );
    assert.equal(retried.status, 202);
    (await Contract.load(service.url)).assertAll(exchanges);
  });

  test('open mode: an unknown sku is sold at the client’s price without a reservation; a sold-out sku is 409 with what is left', async () => {
    const { service, exchanges } = await start('open');
    const open = await postJson<{ total: number }>(`${service.url}/orders/async`, {
      customer_id: 3,
      items: [line('ANYTHING', 3, 1.5)],
    });
    assert.equal(open.status, 202);
    assert.equal(open.body.total, 4.5);
    for (const customer of [1, 2]) {
      const r = await postJson(`${service.url}/orders/async`, { customer_id: customer, items: [line('MUG', 2)] });
      assert.equal(r.status, 202);
    }
    const before = rows(service);
    const short = await postJson(`${service.url}/orders/async`, { customer_id: 4, items: [line('MUG', 2)] });
    assert.equal(short.status, 409);
    assert.deepEqual(
      { error: short.body.error, sku: short.body.sku, available: short.body.available },
      { error: 'sold_out', sku: 'MUG', available: 1 },
    );
    const last = await postJson(`${service.url}/orders/async`, { customer_id: 4, items: [line('MUG', 1)] });
    assert.equal(last.status, 202);
    // Sold out now: the fast path answers, still naming the sku, and stores nothing.
    const after = rows(service);
    const soldOut = await postJson(`${service.url}/orders/async`, { customer_id: 5, items: [line('MUG', 1)] });
    assert.equal(soldOut.status, 409);
    assert.deepEqual([soldOut.body.error, soldOut.body.sku, soldOut.body.available], ['sold_out', 'MUG', 0]);
    assert.deepEqual(rows(service), after);
    assert.notDeepEqual(before, after);
    (await Contract.load(service.url)).assertAll(exchanges);
  });
});
