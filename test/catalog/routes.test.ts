import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Product } from '../../src/core/stock.js';
import type { StockAudit } from '../../src/core/stock-audit.js';
import { startNode } from '../../src/service/node.js';
import { Contract, type Exchange, recordExchanges } from '../support/contract.js';
import { getJson } from '../support/orders.js';
import { startTestService, type TestService, tempDir } from '../support/service.js';
import { call, catalogRows, placeOrder, TOKEN } from './support.js';

const mug = { name: 'Mug', price: 29.99, stock: 1000, per_customer_limit: 2 };

describe('the catalog over HTTP', () => {
  const services: TestService[] = [];
  after(async () => {
    for (const service of services) await service.stop();
  });
  async function start(adminToken: string | null = TOKEN) {
    const recorder = recordExchanges();
    const service = await startTestService(
      { timeScale: 0.01, ...(adminToken ? { adminToken } : {}) },
      { plugins: [recorder.plugin], dashboard: false },
    );
    services.push(service);
    return { service, url: service.url, exchanges: recorder.exchanges };
  }
  async function matchesDocument(url: string, exchanges: Exchange[], statuses: number[]) {
    const seen = new Set(exchanges.map((e) => e.status));
    for (const status of statuses) assert.ok(seen.has(status), `a ${status} was answered (seen ${[...seen]})`);
    (await Contract.load(url)).assertAll(exchanges);
  }

  test('admin creates, replaces, restocks and removes; /products, /stats and /metrics show it', async () => {
    const { url, exchanges } = await start();
    assert.deepEqual((await call(url, 'GET', '/products')).body, { products: [] });

    const created = await call<Product>(url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: mug });
    assert.equal(created.status, 201);
    const product = {
      sku: 'FLASH-001',
      name: 'Mug',
      price: 29.99,
      per_customer_limit: 2,
      starts_at: null,
      ends_at: null,
      sold_out: false,
      stock: { initial: 1000, available: 1000, reserved: 0, sold: 0 },
    };
    assert.deepEqual(created.body, product);
    assert.deepEqual((await call(url, 'GET', '/products/FLASH-001')).body, product);

    const window = { starts_at: '2026-11-27T09:00:00Z', ends_at: '2026-11-27T10:00:00Z' };
    const replaced = await call<Product>(url, 'PUT', '/admin/products/FLASH-001', {
      token: TOKEN,
      body: { price: 24.5, stock: 800, ...window },
    });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body, {
      ...product,
      name: 'FLASH-001',
      price: 24.5,
      per_customer_limit: null,
      starts_at: '2026-11-27T09:00:00.000Z',
      ends_at: '2026-11-27T10:00:00.000Z',
      stock: { initial: 800, available: 800, reserved: 0, sold: 0 },
    });

    const restocked = await call<Product>(url, 'POST', '/admin/products/FLASH-001/restock', {
      token: TOKEN,
      body: { add: 100 },
    });
    assert.equal(restocked.status, 200);
    assert.deepEqual(restocked.body.stock, { initial: 900, available: 900, reserved: 0, sold: 0 });
    await call(url, 'PUT', '/admin/products/FLASH-002', { token: TOKEN, body: { price: 49.99, stock: 0 } });

    const list = await call<{ products: Product[] }>(url, 'GET', '/products');
    assert.deepEqual(
      list.body.products.map((p) => [p.sku, p.stock.available, p.sold_out]),
      [
        ['FLASH-001', 900, false],
        ['FLASH-002', 0, true],
      ],
    );
    const stats = await getJson<{ stock: Record<string, unknown>; rejected: Record<string, number> }>(`${url}/stats`);
    assert.deepEqual(stats.body.stock, {
      'FLASH-001': { initial: 900, available: 900, reserved: 0, sold: 0, sold_out: false },
      'FLASH-002': { initial: 0, available: 0, reserved: 0, sold: 0, sold_out: true },
    });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /^flashsale_stock_units\{sku="FLASH-001",state="available"\} 900$/m);
    assert.match(metrics, /^flashsale_stock_units\{sku="FLASH-002",state="sold"\} 0$/m);

    const removed = await call<Product>(url, 'DELETE', '/admin/products/FLASH-002', { token: TOKEN });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.sku, 'FLASH-002');
    assert.equal((await call(url, 'GET', '/products/FLASH-002')).status, 404);
    assert.doesNotMatch(await (await fetch(`${url}/metrics`)).text(), /sku="FLASH-002"/);
    const missing = await call(url, 'DELETE', '/admin/products/FLASH-002', { token: TOKEN });
    assert.deepEqual([missing.status, missing.body.error, missing.body.field], [404, 'not_found', 'sku']);
    assert.equal((await call(url, 'GET', '/products/bad%20sku')).status, 400);

    await matchesDocument(url, exchanges, [200, 201, 400, 404]);
  });

  test('409: a stock below what orders hold and bought, and removing a product orders hold units of', async () => {
    const { service, url, exchanges } = await start();
    await call(url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: { price: 29.99, stock: 10 } });
    placeOrder(service.database, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 3 }] });
    placeOrder(service.database, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
    const before = catalogRows(service.database);

    const below = await call(url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: { price: 1, stock: 4 } });
    assert.equal(below.status, 409);
    assert.deepEqual(below.body, {
      error: 'stock_below_committed',
      message: 'stock 4 is below the 3 unit(s) reserved and 2 sold of FLASH-001; give at least 5',
      field: 'stock',
      sku: 'FLASH-001',
      stock: 4,
      reserved: 3,
      sold: 2,
    });
    const held = await call(url, 'DELETE', '/admin/products/FLASH-001', { token: TOKEN });
    assert.equal(held.status, 409);
    assert.deepEqual([held.body.error, held.body.reserved], ['units_reserved', 3]);
    assert.deepEqual(catalogRows(service.database), before, 'nothing changed');

    const exact = await call<Product>(url, 'PUT', '/admin/products/FLASH-001', {
      token: TOKEN,
      body: { price: 29.99, stock: 5 },
    });
    assert.deepEqual([exact.status, exact.body.stock], [200, { initial: 5, available: 0, reserved: 3, sold: 2 }]);
    await matchesDocument(url, exchanges, [200, 409]);
  });

  test('the audit over HTTP: clean, then the drift a hand made in the database', async () => {
    const { service, url, exchanges } = await start();
    await call(url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: { price: 29.99, stock: 10 } });
    placeOrder(service.database, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 3 }] });
    const clean = await call<StockAudit>(url, 'GET', '/admin/products/audit', { token: TOKEN });
    assert.equal(clean.status, 200);
    assert.equal(clean.body.clean, true);
    assert.deepEqual(clean.body.skus[0]?.orders, { reserved: 3, sold: 0 });

    // Two units sold that no order bought.
    service.database.db.exec("UPDATE products SET available = available - 2, sold = sold + 2 WHERE sku = 'FLASH-001'");
    const drift = await call<StockAudit>(url, 'GET', '/admin/products/audit', { token: TOKEN });
    assert.equal(drift.body.clean, false);
    assert.deepEqual(
      drift.body.skus[0]?.drift.map((d) => [d.field, d.counter, d.orders]),
      [['sold', 2, 0]],
    );
    await matchesDocument(url, exchanges, [200]);
  });

  test('the admin routes need the token: 401 without or with a wrong one, 403 when none is configured', async () => {
    const { service, url, exchanges } = await start();
    await call(url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: mug });
    const before = catalogRows(service.database);
    for (const token of [undefined, 'wrong', `${TOKEN}x`]) {
      const as = token === undefined ? {} : { token };
      for (const [method, path, body] of [
        ['PUT', '/admin/products/FLASH-001', { price: 1, stock: 1 }],
        ['POST', '/admin/products/FLASH-001/restock', { add: 5 }],
        ['DELETE', '/admin/products/FLASH-001', undefined],
        ['GET', '/admin/products/audit', undefined],
      ] as const) {
        const r = await call(url, method, path, { ...as, ...(body ? { body } : {}) });
        assert.equal(r.status, 401, `${method} ${path} with token ${token}`);
      }
    }
    assert.deepEqual(catalogRows(service.database), before, 'nothing changed');

    const off = await start(null);
    const refused = await call(off.url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: mug });
    assert.deepEqual([refused.status, refused.body.error], [403, 'admin_disabled']);
    assert.deepEqual((await call(off.url, 'GET', '/products')).body, { products: [] });
    await matchesDocument(url, exchanges, [201, 401]);
    await matchesDocument(off.url, off.exchanges, [403]);
  });

  test('a worker has the admin routes, not the public ones (it takes no orders)', async () => {
    const { dir, cleanup } = tempDir();
    const worker = await startNode('worker', {
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, 'worker.db'),
      logLevel: 'silent',
      adminToken: TOKEN,
    });
    try {
      const put = await call(worker.url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: mug });
      assert.equal(put.status, 201);
      assert.equal((await call(worker.url, 'GET', '/products')).status, 404);
    } finally {
      await worker.close();
      cleanup();
    }
  });
});
