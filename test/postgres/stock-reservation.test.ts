import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { checkProduct, type StockChange } from '../../src/core/catalog.js';
import type { AcceptOutcome } from '../../src/core/ports.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';
import { openProcess, orderOf, type PgProcess } from './pg-fixture.js';

const probe = await probePostgres();
const spec = (sku: string, fields: Record<string, unknown> = {}) =>
  checkProduct(sku, { price: 29.99, stock: 100, ...fields });

for (const stockReservation of ['batched', 'naive'] as const) {
  describe(`PostgreSQL stock, ${stockReservation} reservation`, { skip: probe.skip }, () => {
    let db: TestDatabase;
    const opened: PgProcess[] = [];
    let schemas = 0;
    before(async () => {
      db = await createTestDatabase(`flashsale_stock_${stockReservation}`);
    });
    // Each test's processes close after it: the server's connections are shared with other suites.
    afterEach(async () => {
      for (const p of opened.splice(0)) await p.database.close();
    });
    after(async () => {
      await db?.drop();
    });
    /** `n` processes on one new schema. */
    async function processes(n: number): Promise<PgProcess[]> {
      const schema = `stock_${++schemas}`;
      const list: PgProcess[] = [];
      for (let i = 0; i < n; i++) list.push(await openProcess(db.url, schema, { stockReservation }, 8));
      opened.push(...list);
      return list;
    }
    const kinds = (outcomes: AcceptOutcome[]) => {
      const count: Record<string, number> = {};
      for (const o of outcomes) {
        const kind = o.kind === 'rejected' ? o.rejection.reason : o.kind;
        count[kind] = (count[kind] ?? 0) + 1;
      }
      return count;
    };

    test('300 units, 1,000 concurrent buyers across 3 processes: exactly 300 created, the rest sold out, audit clean', async () => {
      const three = await processes(3);
      await three[0]?.catalog.put(spec('FLASH-001', { stock: 300 }));
      const outcomes = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          (three[i % 3] as PgProcess).store.accept({
            order: orderOf(10_000 + i),
            publish: true,
            stock: { mode: 'open' },
          }),
        ),
      );
      assert.deepEqual(kinds(outcomes), { created: 300, sold_out: 700 });
      const lefts = outcomes.flatMap((o) => (o.kind === 'created' ? (o.stock ?? []).map((s) => s.available) : []));
      assert.deepEqual(
        [...lefts].sort((a, b) => a - b),
        Array.from({ length: 300 }, (_, i) => i),
      );
      const product = await three[1]?.catalog.get('FLASH-001');
      assert.deepEqual(product?.stock, { initial: 300, available: 0, reserved: 300, sold: 0 });
      assert.deepEqual(await three[2]?.store.counts(), { orders: 300, messages: 300, notifications: 0 });
      const audit = await three[0]?.catalog.audit();
      assert.equal(audit?.clean, true, JSON.stringify(audit));
    });

    test('limit 1: 50 concurrent orders by one customer create exactly one', async () => {
      const [p] = await processes(1);
      await p?.catalog.put(spec('LIM-1', { stock: 100, per_customer_limit: 1 }));
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          (p as PgProcess).store.accept({ order: orderOf(77, 'LIM-1'), publish: true, stock: { mode: 'open' } }),
        ),
      );
      assert.deepEqual(kinds(outcomes), { created: 1, limit_exceeded: 49 });
      assert.equal((await p?.catalog.get('LIM-1'))?.stock.available, 99);
      assert.equal((await p?.catalog.audit())?.clean, true);
    });

    test('a replay reserves nothing more; a refused order leaves no key behind', async () => {
      const [p] = await processes(1);
      const store = (p as PgProcess).store;
      await p?.catalog.put(spec('ONE', { stock: 1 }));
      const ask = (key: string) => ({
        order: orderOf(5, 'ONE'),
        publish: true,
        idempotencyKey: key,
        requestHash: 'same',
        stock: { mode: 'open' as const },
      });
      const [a, b] = await Promise.all([store.accept(ask('k-1')), store.accept(ask('k-1'))]);
      assert.deepEqual([a.kind, b.kind].sort(), ['created', 'replayed']);
      assert.equal((await store.accept(ask('k-1'))).kind, 'replayed');
      assert.deepEqual((await p?.catalog.get('ONE'))?.stock, { initial: 1, available: 0, reserved: 1, sold: 0 });
      const refused = await store.accept(ask('k-2'));
      assert.deepEqual(refused, { kind: 'rejected', rejection: { reason: 'sold_out', sku: 'ONE', available: 0 } });
      assert.equal(await store.hasIdempotencyKey('k-2'), false);
      assert.equal((await store.counts()).orders, 1);
    });

    test('price, window and closed mode refuse with their reasons and store nothing', async () => {
      const [p] = await processes(1);
      const store = (p as PgProcess).store;
      await p?.catalog.put(spec('P-1', { price: 10 }));
      await p?.catalog.put(spec('LATER', { starts_at: '2999-01-01T00:00:00Z' }));
      const open = { mode: 'open' as const };
      const outcomes = await Promise.all([
        store.accept({ order: orderOf(1, 'P-1', 1, 9.99), publish: true, stock: open }),
        store.accept({ order: orderOf(2, 'LATER'), publish: true, stock: open }),
        store.accept({ order: orderOf(3, 'NOT-IN-CATALOG'), publish: true, stock: { mode: 'closed' } }),
        store.accept({ order: orderOf(4, 'NOT-IN-CATALOG'), publish: true, stock: open }),
      ]);
      assert.deepEqual(
        outcomes.map((o) => (o.kind === 'rejected' ? o.rejection : o.kind)),
        [
          { reason: 'price_changed', sku: 'P-1', price: 10 },
          { reason: 'not_on_sale', sku: 'LATER', starts_at: '2999-01-01T00:00:00.000Z', ends_at: null },
          { reason: 'unknown_sku', sku: 'NOT-IN-CATALOG' },
          'created',
        ],
      );
      const keyed = await store.accept({
        order: orderOf(5, 'NOT-IN-CATALOG'),
        publish: true,
        idempotencyKey: 'closed-key',
        requestHash: 'h',
        stock: { mode: 'closed' },
      });
      assert.deepEqual(keyed, { kind: 'rejected', rejection: { reason: 'unknown_sku', sku: 'NOT-IN-CATALOG' } });
      assert.equal(await store.hasIdempotencyKey('closed-key'), false);
      assert.equal((await store.counts()).orders, 1);
      assert.equal((await p?.catalog.get('P-1'))?.stock.available, 100);
    });

    test('a failed transition releases exactly once, even twice at once, and every process hears it', async () => {
      const [p, other] = await processes(2);
      const store = (p as PgProcess).store;
      await p?.catalog.put(spec('REL', { stock: 2, per_customer_limit: 2 }));
      const heard: StockChange[] = [];
      const heardHere: StockChange[] = [];
      other?.catalog.onStock((change) => heard.push(change));
      p?.catalog.onStock((change) => heardHere.push(change));
      await Promise.all([p?.database.channels.ready(), other?.database.channels.ready()]);
      const created = await store.accept({ order: orderOf(9, 'REL', 2), publish: true, stock: { mode: 'open' } });
      assert.equal(created.kind, 'created');
      const id = (created as { order: { order_id: string } }).order.order_id;
      assert.equal((await p?.catalog.get('REL'))?.stock.available, 0);
      const patch = { status: 'failed' as const, failure_code: 'declined' as const, failure_reason: 'declined' };
      const moves = await Promise.all([
        store.transition(id, ['pending', 'processing'], patch),
        (other as PgProcess).store.transition(id, ['pending', 'processing'], patch),
      ]);
      assert.equal(moves.filter((m) => m?.status === 'failed').length, 1);
      assert.deepEqual((await p?.catalog.get('REL'))?.stock, { initial: 2, available: 2, reserved: 0, sold: 0 });
      assert.equal((await p?.catalog.audit())?.clean, true);
      await waitFor(() => heard.length > 0 && heardHere.length > 0, { timeoutMs: 5000, message: 'release heard' });
      assert.deepEqual(heard, [{ sku: 'REL', available: 2 }]);
      assert.deepEqual(heardHere, [{ sku: 'REL', available: 2 }]);
      // The customer's units came back with them: the limit lets them buy again.
      const again = await store.accept({ order: orderOf(9, 'REL', 2), publish: true, stock: { mode: 'open' } });
      assert.equal(again.kind, 'created');
    });

    test('units that came back while the LISTEN connection was down are heard once it is back', async () => {
      const [p, other] = await processes(2);
      await p?.catalog.put(spec('GAP', { stock: 0 }));
      const heard: StockChange[] = [];
      other?.catalog.onStock((change) => heard.push(change));
      await other?.database.channels.ready();
      // Cut every LISTEN connection of the database, then restock while they are down.
      const admin = await openProcess(db.url, 'public', {}, 1);
      opened.push(admin);
      await admin.database.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'",
      );
      await p?.catalog.restock('GAP', 3);
      await waitFor(() => heard.some((c) => c.sku === 'GAP' && c.available === 3), {
        timeoutMs: 10_000,
        message: 'the restock heard after the LISTEN connection came back',
      });
    });

    test('an order of two skus takes both or neither, and its failure returns both', async () => {
      const [p] = await processes(1);
      const store = (p as PgProcess).store;
      await p?.catalog.put(spec('PAIR-A', { stock: 5 }));
      await p?.catalog.put(spec('PAIR-B', { stock: 0 }));
      const pair = () => {
        const order = orderOf(21, 'PAIR-A');
        order.items.push({ product_id: 'PAIR-B', quantity: 2, price: 29.99 });
        return { order, publish: true, stock: { mode: 'open' as const } };
      };
      assert.deepEqual(await store.accept(pair()), {
        kind: 'rejected',
        rejection: { reason: 'sold_out', sku: 'PAIR-B', available: 0 },
      });
      assert.equal((await p?.catalog.get('PAIR-A'))?.stock.available, 5);
      await p?.catalog.restock('PAIR-B', 3);
      const created = await store.accept(pair());
      assert.equal(created.kind, 'created');
      assert.deepEqual((created as { stock?: unknown }).stock, [
        { sku: 'PAIR-A', available: 4 },
        { sku: 'PAIR-B', available: 1 },
      ]);
      const id = (created as { order: { order_id: string } }).order.order_id;
      await store.transition(id, ['pending'], { status: 'failed', failure_code: 'cancelled' });
      assert.equal((await p?.catalog.get('PAIR-A'))?.stock.available, 5);
      assert.equal((await p?.catalog.get('PAIR-B'))?.stock.available, 3);
      assert.equal((await p?.catalog.audit())?.clean, true);
    });

    test('completion sells the units; a redrive takes them again or is refused when they are gone', async () => {
      const [p] = await processes(1);
      const store = (p as PgProcess).store;
      await p?.catalog.put(spec('S-1', { stock: 2 }));
      const take = async (customer: number) => {
        const o = await store.accept({ order: orderOf(customer, 'S-1'), publish: true, stock: { mode: 'open' } });
        return (o as { order: { order_id: string } }).order.order_id;
      };
      const sold = await take(1);
      const failed = await take(2);
      await store.transition(sold, ['pending'], { status: 'processing' });
      await store.transition(sold, ['processing'], { status: 'completed' });
      await store.transition(failed, ['pending'], { status: 'failed', failure_code: 'dead_lettered' });
      assert.deepEqual((await p?.catalog.get('S-1'))?.stock, { initial: 2, available: 1, reserved: 0, sold: 1 });
      assert.equal((await store.transition(failed, ['failed'], { status: 'pending' }))?.status, 'pending');
      assert.deepEqual((await p?.catalog.get('S-1'))?.stock, { initial: 2, available: 0, reserved: 1, sold: 1 });
      await store.transition(failed, ['pending'], { status: 'failed', failure_code: 'dead_lettered' });
      await take(3);
      assert.equal(await store.transition(failed, ['failed'], { status: 'pending' }), undefined);
      assert.equal((await store.get(failed))?.status, 'failed');
      assert.equal((await p?.catalog.audit())?.clean, true);
    });
  });
}

describe('PostgreSQL stock with --pg-batch off: each order reserves in its own transaction', {
  skip: probe.skip,
}, () => {
  let db: TestDatabase;
  const opened: PgProcess[] = [];
  before(async () => {
    db = await createTestDatabase('flashsale_stock_unbatched');
  });
  after(async () => {
    for (const p of opened) await p.database.close();
    await db?.drop();
  });

  test('20 units, 60 concurrent buyers across 2 processes: exactly 20 created, the rest sold out', async () => {
    for (let i = 0; i < 2; i++) opened.push(await openProcess(db.url, 'unbatched', { batch: false }, 6));
    await opened[0]?.catalog.put(spec('U-1', { stock: 20 }));
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (opened[i % 2] as PgProcess).store.accept({
          order: orderOf(500 + i, 'U-1'),
          publish: true,
          stock: { mode: 'open' },
        }),
      ),
    );
    const created = outcomes.filter((o) => o.kind === 'created').length;
    const soldOut = outcomes.filter((o) => o.kind === 'rejected' && o.rejection.reason === 'sold_out').length;
    assert.deepEqual({ created, soldOut }, { created: 20, soldOut: 40 });
    assert.equal((await opened[1]?.catalog.audit())?.clean, true);
  });
});
