import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { type Catalog, checkProduct, type ProductSpec, type StockChange } from '../../src/core/catalog.js';
import type { OrderStatus } from '../../src/core/order.js';
import type { StockLine } from '../../src/core/stock.js';
import { fixtureScope } from './fixtures.js';

export interface CatalogFixture {
  catalog: Catalog;
  /** Runs one statement by hand, `?` for each parameter (the hand that makes drift on purpose). */
  exec(sql: string, params?: unknown[]): Promise<void>;
  cleanup(): Promise<void>;
}

export interface CatalogContractSettings {
  setup?: () => Promise<() => Promise<void>>;
  skip?: string | false;
}

export function spec(sku: string, fields: Record<string, unknown> = {}): ProductSpec {
  return checkProduct(sku, { price: 29.99, stock: 100, ...fields });
}

/**
 * An order holding (pending, processing) or having bought (completed) units,
 * written as intake and settlement write it: the order with its reserved
 * lines, the counters moved, the customer's units added — in one go.
 */
export async function placeOrder(
  f: CatalogFixture,
  order: { customer: number; status: OrderStatus; lines: StockLine[] },
): Promise<string> {
  const id = randomUUID();
  await f.exec(
    `INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, reservation)
     VALUES (?, ?, ?, 'async', '[]', 0, ?, ?)`,
    [id, order.customer, order.status, new Date().toISOString(), JSON.stringify(order.lines)],
  );
  const sold = order.status === 'completed';
  const holds = order.status === 'pending' || order.status === 'processing';
  for (const { sku, quantity } of order.lines) {
    if (!sold && !holds) continue;
    await f.exec(
      'UPDATE products SET available = available - ?, reserved = reserved + ?, sold = sold + ? WHERE sku = ?',
      [quantity, holds ? quantity : 0, sold ? quantity : 0, sku],
    );
    await f.exec(
      `INSERT INTO customer_units (sku, customer_id, units) VALUES (?, ?, ?)
       ON CONFLICT (sku, customer_id) DO UPDATE SET units = customer_units.units + excluded.units`,
      [sku, order.customer, quantity],
    );
  }
  return id;
}

/**
 * The Catalog contract: every adapter creates, replaces, restocks and removes
 * products with the same outcomes; never lets a change break
 * `initial = available + reserved + sold`; loads a catalog without resetting
 * what exists; and audits the counters against the orders themselves.
 */
export function catalogContract(
  name: string,
  factory: () => Promise<CatalogFixture>,
  settings: CatalogContractSettings = {},
) {
  describe(`Catalog contract: ${name}`, { skip: settings.skip || false }, () => {
    const open = fixtureScope(factory, settings);

    test('put creates a product with its whole stock available; get and list return it', async () => {
      const { catalog } = await open();
      const window = { starts_at: '2026-11-27T09:00:00+01:00', ends_at: '2026-11-27T10:00:00Z' };
      const created = await catalog.put(spec('FLASH-002', { name: 'Headphones', price: 49.99, stock: 500, ...window }));
      const product = {
        sku: 'FLASH-002',
        name: 'Headphones',
        price: 49.99,
        per_customer_limit: null,
        starts_at: '2026-11-27T08:00:00.000Z',
        ends_at: '2026-11-27T10:00:00.000Z',
        sold_out: false,
        stock: { initial: 500, available: 500, reserved: 0, sold: 0 },
      };
      assert.deepEqual(created, { kind: 'created', product });
      assert.deepEqual(await catalog.get('FLASH-002'), product);
      await catalog.put(spec('FLASH-001', { stock: 0, per_customer_limit: 2 }));
      const list = await catalog.list();
      assert.deepEqual(
        list.map((p) => [p.sku, p.name, p.sold_out, p.per_customer_limit]),
        [
          ['FLASH-001', 'FLASH-001', true, 2],
          ['FLASH-002', 'Headphones', false, null],
        ],
      );
      assert.equal(await catalog.get('NOPE'), undefined);
      assert.deepEqual(await catalog.counts(), [
        { sku: 'FLASH-001', initial: 0, available: 0, reserved: 0, sold: 0 },
        { sku: 'FLASH-002', initial: 500, available: 500, reserved: 0, sold: 0 },
      ]);
    });

    test('put replaces the definition: available = new stock − reserved − sold; unset fields are reset', async () => {
      const f = await open();
      const { catalog } = f;
      await catalog.put(spec('FLASH-001', { name: 'Mug', stock: 100, per_customer_limit: 2 }));
      await placeOrder(f, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 3 }] });
      await placeOrder(f, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 5 }] });
      const replaced = await catalog.put(spec('FLASH-001', { price: 19.5, stock: 50 }));
      assert.equal(replaced.kind, 'replaced');
      assert.deepEqual(await catalog.get('FLASH-001'), {
        sku: 'FLASH-001',
        name: 'FLASH-001',
        price: 19.5,
        per_customer_limit: null,
        starts_at: null,
        ends_at: null,
        sold_out: false,
        stock: { initial: 50, available: 42, reserved: 3, sold: 5 },
      });
      // Exactly the units committed: nothing left to sell, and that is allowed.
      assert.equal((await catalog.put(spec('FLASH-001', { stock: 8 }))).kind, 'replaced');
      assert.deepEqual((await catalog.get('FLASH-001'))?.stock, { initial: 8, available: 0, reserved: 3, sold: 5 });
      assert.equal((await catalog.get('FLASH-001'))?.sold_out, true);
    });

    test('put refuses a stock below the units reserved and sold, and changes nothing', async () => {
      const f = await open();
      await f.catalog.put(spec('FLASH-001', { stock: 10 }));
      await placeOrder(f, { customer: 1, status: 'processing', lines: [{ sku: 'FLASH-001', quantity: 4 }] });
      await placeOrder(f, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
      const before = await f.catalog.get('FLASH-001');
      const refused = await f.catalog.put(spec('FLASH-001', { stock: 5, price: 1 }));
      assert.deepEqual(refused, {
        kind: 'conflict',
        reason: 'stock_below_committed',
        sku: 'FLASH-001',
        stock: 5,
        reserved: 4,
        sold: 2,
      });
      assert.deepEqual(await f.catalog.get('FLASH-001'), before);
    });

    test('restock adds to initial and available; a missing sku is not found', async () => {
      const f = await open();
      await f.catalog.put(spec('FLASH-003', { stock: 1 }));
      await placeOrder(f, { customer: 7, status: 'completed', lines: [{ sku: 'FLASH-003', quantity: 1 }] });
      assert.equal((await f.catalog.get('FLASH-003'))?.sold_out, true);
      const restocked = await f.catalog.restock('FLASH-003', 100);
      assert.equal(restocked.kind, 'restocked');
      assert.deepEqual(restocked.kind === 'restocked' && restocked.product.stock, {
        initial: 101,
        available: 100,
        reserved: 0,
        sold: 1,
      });
      assert.deepEqual(await f.catalog.restock('NOPE', 5), { kind: 'not_found' });
      assert.equal(await f.catalog.get('NOPE'), undefined);
    });

    test('remove refuses while orders hold units, then removes; a missing sku is not found', async () => {
      const f = await open();
      await f.catalog.put(spec('FLASH-001', { stock: 10 }));
      const held = await placeOrder(f, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
      assert.deepEqual(await f.catalog.remove('FLASH-001'), {
        kind: 'conflict',
        reason: 'units_reserved',
        sku: 'FLASH-001',
        reserved: 2,
      });
      assert.ok(await f.catalog.get('FLASH-001'));
      // The order is paid: its units are sold, none held.
      await f.exec("UPDATE orders SET status = 'completed' WHERE order_id = ?", [held]);
      await f.exec('UPDATE products SET reserved = reserved - 2, sold = sold + 2 WHERE sku = ?', ['FLASH-001']);
      const removed = await f.catalog.remove('FLASH-001');
      assert.equal(removed.kind, 'removed');
      assert.deepEqual(removed.kind === 'removed' && removed.product.stock, {
        initial: 10,
        available: 8,
        reserved: 0,
        sold: 2,
      });
      assert.equal(await f.catalog.get('FLASH-001'), undefined);
      assert.deepEqual(await f.catalog.remove('FLASH-001'), { kind: 'not_found' });
    });

    test('seed creates the missing products and leaves the existing ones as they are', async () => {
      const f = await open();
      const file = [spec('FLASH-001', { stock: 1000 }), spec('FLASH-002', { price: 49.99, stock: 500 })];
      assert.deepEqual(await f.catalog.seed(file), { created: ['FLASH-001', 'FLASH-002'], kept: [] });
      await placeOrder(f, { customer: 1, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 7 }] });
      await f.catalog.restock('FLASH-002', 5);
      // A restart mid-sale loads the same file: nothing is reset.
      const again = await f.catalog.seed([...file, spec('FLASH-003', { price: 99.99, stock: 200 })]);
      assert.deepEqual(again, { created: ['FLASH-003'], kept: ['FLASH-001', 'FLASH-002'] });
      assert.deepEqual(
        (await f.catalog.counts()).map((c) => [c.sku, c.initial, c.available, c.sold]),
        [
          ['FLASH-001', 1000, 993, 7],
          ['FLASH-002', 505, 505, 0],
          ['FLASH-003', 200, 200, 0],
        ],
      );
    });

    test('onStock hears each committed change with the units available after it', async () => {
      const { catalog } = await open();
      const heard: StockChange[] = [];
      const stop = catalog.onStock((change) => heard.push(change));
      await catalog.put(spec('A-1', { stock: 0 }));
      await catalog.restock('A-1', 3);
      await catalog.put(spec('A-1', { stock: 2 }));
      await catalog.seed([spec('B-1', { stock: 4 }), spec('A-1', { stock: 9 })]);
      await catalog.remove('A-1');
      await catalog.restock('NOPE', 1);
      stop();
      await catalog.restock('B-1', 1);
      assert.deepEqual(heard, [
        { sku: 'A-1', available: 0 },
        { sku: 'A-1', available: 3 },
        { sku: 'A-1', available: 2 },
        { sku: 'B-1', available: 4 },
        { sku: 'A-1', available: null },
      ]);
    });

    test('concurrent restocks, replaces and reservations never break the invariant', async () => {
      const f = await open();
      await f.catalog.put(spec('HOT', { stock: 100 }));
      const reserve = () =>
        f.exec(
          'UPDATE products SET available = available - 1, reserved = reserved + 1 WHERE sku = ? AND available >= 1',
          ['HOT'],
        );
      await Promise.all([
        ...Array.from({ length: 40 }, reserve),
        ...Array.from({ length: 10 }, () => f.catalog.restock('HOT', 3)),
        ...Array.from({ length: 5 }, (_, i) => f.catalog.put(spec('HOT', { stock: 150 + i }))),
      ]);
      const c = (await f.catalog.get('HOT'))!.stock;
      assert.equal(c.initial, c.available + c.reserved + c.sold);
      assert.ok(c.available >= 0);
      assert.equal(c.reserved, 40);
    });

    auditTests(open);
  });
}

function auditTests(open: () => Promise<CatalogFixture>) {
  test('the audit of a consistent catalog is clean, with the units the orders add up to', async () => {
    const f = await open();
    await f.catalog.put(spec('FLASH-001', { stock: 100 }));
    await f.catalog.put(spec('FLASH-002', { stock: 50 }));
    await placeOrder(f, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
    await placeOrder(f, {
      customer: 1,
      status: 'processing',
      lines: [
        { sku: 'FLASH-001', quantity: 1 },
        { sku: 'FLASH-002', quantity: 4 },
      ],
    });
    await placeOrder(f, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 3 }] });
    await placeOrder(f, { customer: 3, status: 'failed', lines: [{ sku: 'FLASH-002', quantity: 9 }] });
    const audit = await f.catalog.audit();
    assert.equal(audit.clean, true, JSON.stringify(audit));
    assert.equal(audit.orders_scanned, 4);
    assert.deepEqual(
      audit.skus.map((s) => [s.sku, s.orders, s.counters?.available, s.drift]),
      [
        ['FLASH-001', { reserved: 3, sold: 3 }, 94, []],
        ['FLASH-002', { reserved: 4, sold: 0 }, 46, []],
      ],
    );
  });

  test('drift made by hand is reported per sku and field', async () => {
    const f = await open();
    await f.catalog.put(spec('FLASH-001', { stock: 100 }));
    await f.catalog.put(spec('FLASH-002', { stock: 50 }));
    await f.catalog.put(spec('FLASH-003', { stock: 20 }));
    await placeOrder(f, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
    const lost = await placeOrder(f, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-002', quantity: 1 }] });
    // A reservation with no order (a leak), an order lost after its units were sold, a customer's count off.
    await f.exec('UPDATE products SET available = available - 5, reserved = reserved + 5 WHERE sku = ?', ['FLASH-001']);
    await f.exec('DELETE FROM orders WHERE order_id = ?', [lost]);
    await f.exec('UPDATE customer_units SET units = 9 WHERE sku = ? AND customer_id = ?', ['FLASH-001', 1]);
    // Units held by an order of a sku that is not a product.
    await placeOrder(f, { customer: 4, status: 'pending', lines: [{ sku: 'GHOST', quantity: 1 }] });
    const audit = await f.catalog.audit();
    assert.equal(audit.clean, false);
    const drift = Object.fromEntries(
      audit.skus.map((s) => [s.sku, s.drift.map((d) => [d.field, d.counter, d.orders, d.customer_id])]),
    );
    assert.deepEqual(drift, {
      'FLASH-001': [
        ['reserved', 7, 2, undefined],
        ['customer_units', 9, 2, 1],
      ],
      'FLASH-002': [
        ['sold', 1, 0, undefined],
        ['customer_units', 1, 0, 2],
      ],
      'FLASH-003': [],
      GHOST: [['product', 0, 1, undefined]],
    });
    assert.equal(audit.skus.find((s) => s.sku === 'GHOST')?.in_catalog, false);
  });

  test('a product removed and created again: its earlier sales stay accounted for', async () => {
    const f = await open();
    await f.catalog.put(spec('FLASH-001', { stock: 10 }));
    await placeOrder(f, { customer: 1, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 4 }] });
    assert.equal((await f.catalog.remove('FLASH-001')).kind, 'removed');
    assert.equal((await f.catalog.audit()).clean, true);
    await f.catalog.put(spec('FLASH-001', { stock: 5 }));
    await placeOrder(f, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 1 }] });
    const audit = await f.catalog.audit();
    assert.equal(audit.clean, true, JSON.stringify(audit.skus));
    assert.deepEqual(
      audit.skus.map((s) => [s.sku, s.counters?.sold, s.retired_sold, s.orders.sold]),
      [['FLASH-001', 1, 4, 5]],
    );
  });
}
