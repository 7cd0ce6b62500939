import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { cancelOrder } from '../../src/core/cancel.js';
import { DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { Notifier } from '../../src/core/notifier.js';
import { newOrder, type Order } from '../../src/core/order.js';
import { ReservationSweeper } from '../../src/core/reservation-sweeper.js';
import { PostgresCatalog } from '../../src/postgres/catalog.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { notifierOptions } from '../../src/service/options.js';
import { sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';

const probe = await probePostgres();
const TIMEOUT_MS = 60_000;

describe('expiry and cancel racing workers, across processes sharing PostgreSQL', { skip: probe.skip }, () => {
  const logger = pino({ level: 'silent' });
  const clock = new ManualClock();
  let db: TestDatabase;
  // Two pools: two processes' connections to one database.
  const databases: PostgresDatabase[] = [];

  before(async () => {
    db = await createTestDatabase('flashsale_expiry');
    for (let i = 0; i < 2; i++) {
      const database = new PostgresDatabase({ logger }, { ...DEFAULT_CONFIG.postgres, url: db.url });
      await database.init();
      databases.push(database);
    }
  });
  after(async () => {
    for (const database of databases) await database.close();
    await db?.drop();
  });

  const node = (database: PostgresDatabase) => {
    const store = new PostgresOrderStore({ database, outbox: new PostgresOutbox({ database }) });
    const notifier = new Notifier({ store, clock, logger }, notifierOptions(DEFAULT_CONFIG));
    const sweeper = new ReservationSweeper(
      { store, notifier, clock, logger, health: new DependencyHealth({ clock, logger }) },
      { timeoutMs: TIMEOUT_MS, batch: 100, backoff: { baseMs: 100, maxMs: 1000 } },
    );
    return { store, notifier, sweeper };
  };

  test('every overdue order is claimed, cancelled or expired — exactly one of them, notified once', async () => {
    const [a, b] = databases.map(node) as [ReturnType<typeof node>, ReturnType<typeof node>];
    const orders: Order[] = [];
    for (let i = 0; i < 40; i++) {
      const order = newOrder(sampleOrder(2000 + i), randomUUID(), 'async', clock.now());
      assert.equal((await a.store.accept({ order, publish: false })).kind, 'created');
      orders.push(order);
    }
    await clock.advance(TIMEOUT_MS + 1);

    // Workers of process b claim every fourth order, customers cancel every fifth, while both sweep.
    const claims = orders.filter((_, i) => i % 4 === 0);
    const cancels = orders.filter((_, i) => i % 5 === 1);
    const [claimed, cancelled, byA, byB] = await Promise.all([
      Promise.all(claims.map((o) => b.store.transition(o.order_id, ['pending'], { status: 'processing' }))),
      Promise.all(cancels.map((o) => cancelOrder({ store: b.store, notifier: b.notifier, clock }, o.order_id))),
      a.sweeper.sweep(),
      b.sweeper.sweep(),
    ]);

    let expired = 0;
    for (const order of orders) {
      const now = await a.store.get(order.order_id);
      const notes = await a.store.notifications({ orderId: order.order_id });
      const claim = claims.indexOf(order);
      const cancel = cancels.indexOf(order);
      if (claim >= 0 && claimed[claim]) {
        assert.equal(now?.status, 'processing', 'a claimed order is never expired');
        assert.equal(notes.length, 0);
        continue;
      }
      if (cancel >= 0 && cancelled[cancel]?.kind === 'cancelled') {
        assert.equal(now?.failure_code, 'cancelled');
        assert.equal(notes.length, 1);
        continue;
      }
      assert.equal(now?.status, 'failed');
      assert.equal(now?.failure_code, 'expired');
      assert.equal(notes.length, 1, 'notified once');
      expired++;
    }
    assert.equal(byA + byB, expired, 'each expiry counted by the sweeper that made it');
    assert.ok(expired > 0 && claimed.some(Boolean), 'the race had all three outcomes to offer');
  });

  test('the units come back once for each cancelled or expired order, never for a claimed one', async () => {
    const [a, b] = databases.map(node) as [ReturnType<typeof node>, ReturnType<typeof node>];
    const catalog = new PostgresCatalog({ database: databases[0] as PostgresDatabase });
    const sku = 'FLASH-001';
    await catalog.put({
      sku,
      name: 'Flash 1',
      priceCents: 2999,
      stock: 100,
      perCustomerLimit: null,
      startsAt: null,
      endsAt: null,
    });
    const orders: Order[] = [];
    for (let i = 0; i < 30; i++) {
      const order = newOrder(sampleOrder(3000 + i), randomUUID(), 'async', clock.now());
      assert.equal((await a.store.accept({ order, publish: false, stock: { mode: 'open' } })).kind, 'created');
      orders.push(order);
    }
    assert.deepEqual((await catalog.get(sku))?.stock, { initial: 100, available: 70, reserved: 30, sold: 0 });
    await clock.advance(TIMEOUT_MS + 1);
    const [claimed] = await Promise.all([
      Promise.all(
        orders
          .filter((_, i) => i % 3 === 0)
          .map((o) => b.store.transition(o.order_id, ['pending'], { status: 'processing' })),
      ),
      Promise.all(
        orders
          .filter((_, i) => i % 3 === 1)
          .map((o) => cancelOrder({ store: b.store, notifier: b.notifier, clock }, o.order_id)),
      ),
      a.sweeper.sweep(),
      b.sweeper.sweep(),
    ]);
    const held = claimed.filter(Boolean).length;
    assert.deepEqual((await catalog.get(sku))?.stock, { initial: 100, available: 100 - held, reserved: held, sold: 0 });
    assert.equal((await catalog.audit()).clean, true);
  });
});
