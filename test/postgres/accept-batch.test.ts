import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AcceptOutcome } from '../../src/core/ports.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { openProcess, orderOf, type PgProcess } from './pg-fixture.js';

const probe = await probePostgres();

for (const batch of [true, false]) {
  describe(`PostgreSQL accept, ${batch ? 'batched' : 'unbatched'}: every request its own outcome`, {
    skip: probe.skip,
  }, () => {
    let db: TestDatabase;
    let p: PgProcess;
    before(async () => {
      db = await createTestDatabase('flashsale_batch');
      p = await openProcess(db.url, `accept_${batch ? 'on' : 'off'}`, { batch }, 20);
    });
    after(async () => {
      await p?.database.close();
      await db?.drop();
    });

    test('200 concurrent accepts: repeated keys replay the first order, reused keys conflict, one order per key', async () => {
      // 120 plain orders, 20 keys each sent 3 times with the same body, 10 keys each sent twice with different bodies.
      type Sent = { key?: string; hash?: string; customer: number; outcome?: AcceptOutcome };
      const sent: Sent[] = [];
      for (let i = 0; i < 120; i++) sent.push({ customer: 1000 + i });
      for (let k = 0; k < 20; k++) {
        const key = `same-${k}-${randomUUID()}`;
        for (let r = 0; r < 3; r++) sent.push({ key, hash: `body-${k}`, customer: 2000 + k });
      }
      for (let k = 0; k < 10; k++) {
        const key = `reused-${k}-${randomUUID()}`;
        sent.push({ key, hash: `first-${k}`, customer: 3000 + k }, { key, hash: `second-${k}`, customer: 3100 + k });
      }
      assert.equal(sent.length, 200);
      // Shuffled, so repeated keys land in the same batch and in different ones.
      sent.sort(() => Math.random() - 0.5);
      await Promise.all(
        sent.map(async (s) => {
          const order = orderOf(s.customer);
          s.outcome = await p.store.accept({
            order,
            publish: true,
            ...(s.key ? { idempotencyKey: s.key, requestHash: s.hash } : {}),
          });
        }),
      );
      const kinds = (list: Sent[]) => list.map((s) => s.outcome?.kind).sort();
      assert.deepEqual(kinds(sent.filter((s) => !s.key)), Array(120).fill('created'));
      const byKey = new Map<string, Sent[]>();
      for (const s of sent) if (s.key) byKey.set(s.key, [...(byKey.get(s.key) ?? []), s]);
      for (const [key, group] of byKey) {
        const created = group.filter((s) => s.outcome?.kind === 'created');
        assert.equal(created.length, 1, `key ${key}: one request creates its order`);
        const first = created[0]?.outcome as Extract<AcceptOutcome, { kind: 'created' }>;
        for (const s of group) {
          if (s === created[0]) continue;
          if (s.hash === created[0]?.hash) {
            assert.equal(s.outcome?.kind, 'replayed', `key ${key}: same body replays`);
            assert.equal((s.outcome as { order: { order_id: string } }).order.order_id, first.order.order_id);
          } else {
            assert.deepEqual(s.outcome, { kind: 'conflict', orderId: first.order.order_id }, `key ${key}`);
          }
        }
      }
      // One order and one message per plain request and per key; every created order is stored as answered.
      assert.deepEqual(await p.store.counts(), { orders: 150, messages: 150, notifications: 0 });
      for (const s of sent.filter((x) => x.outcome?.kind === 'created')) {
        const order = (s.outcome as { order: { order_id: string } }).order;
        assert.equal((await p.store.get(order.order_id))?.customer_id, s.customer);
      }
    });

    test('a batch with an order the database refuses fails that order alone', async () => {
      const good = Array.from({ length: 5 }, (_, i) => orderOf(4000 + i));
      // numeric(14,2) cannot hold this total: the statement fails for the whole batch, then each goes alone.
      const bad = { ...orderOf(4999), total: 1e15 };
      const results = await Promise.allSettled([...good, bad].map((order) => p.store.accept({ order, publish: true })));
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected'],
      );
      for (const o of good) assert.equal((await p.store.get(o.order_id))?.order_id, o.order_id);
      assert.equal(await p.store.get(bad.order_id), undefined);
    });
  });
}
