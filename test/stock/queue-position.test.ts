import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/manual-clock.js';
import { newOrder, type Order } from '../../src/core/order.js';
import { QueueEstimate } from '../../src/core/queue-estimate.js';
import type { QueuePlace } from '../../src/core/queue-position.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, tempDir, waitFor } from '../support/service.js';

/** An order as the API shows it. */
type Shown = Order & Partial<QueuePlace>;

describe('queue_position on the embedded serve (exact)', () => {
  test('10 pending orders stand at 0..9; once 3 are paid the 4th is next; a paid order has no position', async () => {
    // No workers at first; payments of 1.5 s real, long enough to stop the pool after it took 3.
    const service = await startTestService({ workers: 0, payment: { latencyMs: 1500 } }, { dashboard: false });
    try {
      const accepted: Shown[] = [];
      for (let i = 0; i < 10; i++) {
        const answer = await postJson<Shown>(`${service.url}/orders/async`, sampleOrder(1000 + i));
        assert.equal(answer.status, 202);
        accepted.push(answer.body);
      }
      assert.deepEqual(
        accepted.map((o) => o.queue_position),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.ok(accepted.every((o) => o.queue_position_basis === 'exact'));
      assert.ok(
        accepted.every((o) => o.estimated_payment_at === undefined),
        'no worker has taken an order yet: no rate, no estimate',
      );
      const read = async (o: Shown) => (await getJson<Shown>(`${service.url}/orders/${o.order_id}`)).body;
      assert.deepEqual(
        (await Promise.all(accepted.map(read))).map((o) => o.queue_position),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );

      // Three workers take the first three orders; then the pool is closed to new ones.
      service.processor.setWorkers(3);
      await waitFor(async () => (await service.store.countByStatus()).pending === 7, { message: '3 orders claimed' });
      service.processor.setWorkers(0);
      // The queue moves when a claim is acknowledged, a moment after the count sees it (the commit's fsync).
      const fourth = await waitFor(
        async () => {
          const o = await read(accepted[3] as Shown);
          return o.queue_position !== 3 ? o : undefined;
        },
        { message: 'the claims reach the queue' },
      );
      assert.equal(fourth.queue_position, 0);
      assert.ok(fourth.estimated_payment_at, 'the claims give a rate');
      assert.ok(Date.parse(fourth.estimated_payment_at) >= Date.parse(fourth.created_at));
      assert.equal((await read(accepted[9] as Shown)).queue_position, 6);

      await waitFor(async () => (await service.store.countByStatus()).completed === 3, { message: '3 orders paid' });
      const first = await read(accepted[0] as Shown);
      assert.equal(first.status, 'completed');
      assert.equal(first.queue_position, undefined);
      assert.equal(first.estimated_payment_at, undefined);
      assert.equal((await read(accepted[3] as Shown)).queue_position, 0);
      assert.equal((await service.store.countByStatus()).pending, 7, 'no worker took a fourth');
    } finally {
      await service.stop();
    }
  });

  test('a cancelled order leaves the queue: the ones behind it move up', async () => {
    const service = await startTestService({ workers: 0 }, { dashboard: false });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push((await postJson<Shown>(`${service.url}/orders/async`, sampleOrder(1100 + i))).body.order_id);
      assert.equal((await fetch(`${service.url}/orders/${ids[0]}/cancel`, { method: 'POST' })).status, 200);
      const last = await getJson<Shown>(`${service.url}/orders/${ids[2]}`);
      assert.equal(last.body.queue_position, 1);
    } finally {
      await service.stop();
    }
  });

  test('orders left pending by a previous run keep their places after a restart', async () => {
    const first = await startTestService({ workers: 0 }, { dashboard: false });
    const ids: string[] = [];
    const dbPath = join(first.dir, 'flashsale.db');
    for (let i = 0; i < 4; i++)
      ids.push((await postJson<Shown>(`${first.url}/orders/async`, sampleOrder(1200 + i))).body.order_id);
    await first.close();
    const second = await startTestService({ workers: 0, dbPath }, { dashboard: false });
    try {
      const places = await Promise.all(
        ids.map(async (id) => (await getJson<Shown>(`${second.url}/orders/${id}`)).body),
      );
      assert.deepEqual(
        places.map((o) => [o.queue_position, o.queue_position_basis]),
        [
          [0, 'exact'],
          [1, 'exact'],
          [2, 'exact'],
          [3, 'exact'],
        ],
      );
    } finally {
      await second.stop();
      await first.stop();
    }
  });
});

describe('QueueEstimate (where a process does not see the queue)', () => {
  test('from the store’s counts read once a second: positions by accept time, then moved by departures', async () => {
    const dir = tempDir();
    const database = new SqliteDatabase({ path: join(dir.dir, 'flashsale.db') });
    const store = new SqliteOrderStore({ database });
    const clock = new ManualClock();
    const estimate = new QueueEstimate({ clock, counts: () => store.countByStatus() });
    try {
      const orders: Order[] = [];
      for (let i = 0; i < 10; i++) {
        await clock.advance(1000);
        const order = newOrder(sampleOrder(1300 + i), randomUUID(), 'async', clock.now());
        assert.equal((await store.accept({ order, publish: false })).kind, 'created');
        orders.push(order);
        await estimate.refresh();
      }
      const places = await Promise.all(orders.map((o) => estimate.place(o)));
      assert.deepEqual(
        places.map((p) => p?.queue_position),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.ok(places.every((p) => p?.queue_position_basis === 'estimate'));
      assert.ok(
        places.every((p) => p?.estimated_payment_at === undefined),
        'nothing left the queue yet',
      );

      for (const order of orders.slice(0, 3))
        await store.transition(order.order_id, ['pending'], { status: 'processing' });
      await clock.advance(1000);
      await estimate.refresh();
      const fourth = await estimate.place(orders[3] as Order);
      assert.equal(fourth?.queue_position, 0);
      // 3 left the queue over the 10 s of readings: 0.3 per second, so the next one in about 3.3 s.
      assert.equal(fourth?.estimated_payment_at, new Date(clock.now() + 1 / (3 / 10_000)).toISOString());
      assert.equal((await estimate.place(orders[9] as Order))?.queue_position, 6);
      const claimed = (await store.get(orders[0]?.order_id as string)) as Order;
      assert.equal(await estimate.place(claimed), undefined, 'an order past pending has no place');
    } finally {
      database.close();
      dir.cleanup();
    }
  });
});
