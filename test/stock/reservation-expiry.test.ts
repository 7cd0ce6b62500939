import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { Notifier } from '../../src/core/notifier.js';
import { newOrder, type Order } from '../../src/core/order.js';
import type { QueuePlace } from '../../src/core/queue-position.js';
import { ReservationSweeper } from '../../src/core/reservation-sweeper.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { recordingLogger, runUntil } from '../support/manual-time.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, tempDir, waitFor } from '../support/service.js';

/** An order as the API shows it. */
type Shown = Order & Partial<QueuePlace>;

const TIMEOUT_MS = 60_000;

describe('ReservationSweeper on a manual clock and a real SQLite file', () => {
  let dir: ReturnType<typeof tempDir>;
  let database: SqliteDatabase;
  let store: SqliteOrderStore;
  let clock: ManualClock;
  const sweepers: ReservationSweeper[] = [];

  beforeEach(() => {
    dir = tempDir();
    database = new SqliteDatabase({ path: join(dir.dir, 'flashsale.db') });
    store = new SqliteOrderStore({ database });
    clock = new ManualClock();
  });
  afterEach(async () => {
    await Promise.all(sweepers.splice(0).map((s) => s.stop(100)));
    database.close();
    dir.cleanup();
  });

  function sweeper(): ReservationSweeper {
    const logger = recordingLogger();
    const notifier = new Notifier(
      { store, clock, logger },
      { from: 'shop@example.com', recipientDomain: 'example.com', attempts: 1 },
    );
    const made = new ReservationSweeper(
      { store, notifier, clock, logger, health: new DependencyHealth({ clock, logger }) },
      { timeoutMs: TIMEOUT_MS, backoff: { baseMs: 100, maxMs: 1000 } },
    );
    sweepers.push(made);
    return made;
  }

  async function pending(customer: number): Promise<Order> {
    const order = newOrder(sampleOrder(customer), randomUUID(), 'async', clock.now());
    const outcome = await store.accept({ order, publish: false });
    assert.equal(outcome.kind, 'created');
    return order;
  }

  const status = async (order: Order) => (await store.get(order.order_id))?.status;

  test('an order left pending past the timeout fails `expired` with its notification; a younger one waits', async () => {
    const old = await pending(1001);
    await clock.advance(30_000);
    const young = await pending(1002);
    sweeper().start();

    await runUntil(clock, async () => (await status(old)) === 'failed', { message: 'the old order expires' });
    assert.ok(clock.now() - Date.parse(old.created_at) > TIMEOUT_MS, 'not before its timeout');
    assert.ok(clock.now() - Date.parse(old.created_at) <= TIMEOUT_MS * 1.1 + 1, 'within a sweep interval after it');
    const expired = await store.get(old.order_id);
    assert.equal(expired?.failure_code, 'expired');
    assert.match(expired?.failure_reason ?? '', /reservation timeout/);
    assert.equal(await status(young), 'pending', 'the younger order has time left');
    const [note] = await store.notifications({ orderId: old.order_id });
    assert.match(note?.body ?? '', /longer than its reservation lasts/);

    await runUntil(clock, async () => (await status(young)) === 'failed', { message: 'the young order expires' });
    assert.equal((await store.get(young.order_id))?.failure_code, 'expired');
  });

  test('an order a worker has claimed (processing) is never expired', async () => {
    const claimed = await pending(1003);
    assert.ok(await store.transition(claimed.order_id, ['pending'], { status: 'processing' }));
    await clock.advance(TIMEOUT_MS * 3);
    assert.equal(await sweeper().sweep(), 0);
    assert.equal(await status(claimed), 'processing');
    assert.deepEqual(await store.notifications({ orderId: claimed.order_id }), []);
  });

  test('two sweepers racing over the same overdue orders expire each exactly once', async () => {
    const orders = await Promise.all(Array.from({ length: 20 }, (_, i) => pending(1100 + i)));
    await clock.advance(TIMEOUT_MS + 1);
    const [a, b] = [sweeper(), sweeper()];
    const [byA, byB] = await Promise.all([a.sweep(), b.sweep()]);
    assert.equal(byA + byB, 20);
    assert.equal(a.stats().taken_first + b.stats().taken_first, 20, 'each order found by both, moved by one');
    for (const order of orders) {
      assert.equal(await status(order), 'failed');
      assert.equal((await store.notifications({ orderId: order.order_id })).length, 1, 'notified once');
    }
  });
});

describe('--reservation-timeout in the embedded serve (scaled time)', () => {
  let service: Awaited<ReturnType<typeof startTestService>>;
  before(async () => {
    // 60 simulated s = 600 real ms at this scale; no workers, so nothing claims the orders.
    service = await startTestService(
      { workers: 0, timeScale: 0.01, catalog: { reservationTimeoutMs: TIMEOUT_MS } },
      { dashboard: false },
    );
  });
  after(() => service?.stop());

  test('an order not paid within the timeout is failed `expired` and the customer told', async () => {
    const started = Date.now();
    const answer = await postJson<Shown>(`${service.url}/orders/async`, sampleOrder(1200));
    assert.equal(answer.status, 202);
    const id = answer.body.order_id;
    const ended = await waitFor(
      async () => {
        const got = await getJson<Shown>(`${service.url}/orders/${id}`);
        return got.body.status === 'failed' ? got.body : undefined;
      },
      { timeoutMs: 20_000, message: 'the order expires' },
    );
    assert.ok(Date.now() - started >= 600, 'not before the timeout');
    assert.equal(ended.failure_code, 'expired');
    assert.equal(ended.queue_position, undefined);
    const notes = await getJson<{ notifications: unknown[] }>(`${service.url}/orders/${id}/notifications`);
    assert.equal(notes.body.notifications.length, 1);
    const stats = await getJson<{ reservations: { expired: number; timeout_ms: number } }>(`${service.url}/stats`);
    assert.equal(stats.body.reservations.expired, 1);
    assert.equal(stats.body.reservations.timeout_ms, TIMEOUT_MS);
  });

  test('the sweeper runs on serve and stops with the rest of the work on close', async () => {
    const sweeper = service.sweeper;
    assert.ok(sweeper?.isRunning);
    await service.close();
    assert.equal(sweeper.isRunning, false);
  });
});

describe('expiry returns the units', () => {
  test('an expired order’s units are available again', async () => {
    const service = await startTestService(
      { workers: 0, timeScale: 0.01, catalog: { reservationTimeoutMs: TIMEOUT_MS } },
      { dashboard: false },
    );
    try {
      await service.catalog?.put({
        sku: 'FLASH-002',
        name: 'Flash 2',
        priceCents: 4999,
        stock: 5,
        perCustomerLimit: null,
        startsAt: null,
        endsAt: null,
      });
      const answer = await postJson<Shown>(`${service.url}/orders/async`, {
        customer_id: 1300,
        items: [{ product_id: 'FLASH-002', quantity: 2, price: 49.99 }],
      });
      assert.equal(answer.status, 202);
      assert.equal((await service.catalog?.get('FLASH-002'))?.stock.available, 3);
      await waitFor(async () => (await service.store.get(answer.body.order_id))?.status === 'failed', {
        message: 'the order expires',
      });
      assert.deepEqual((await service.catalog?.get('FLASH-002'))?.stock, {
        initial: 5,
        available: 5,
        reserved: 0,
        sold: 0,
      });
      assert.equal((await service.catalog?.audit())?.clean, true);
    } finally {
      await service.stop();
    }
  });
});
