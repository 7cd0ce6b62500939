import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { newOrder, type Order, type OrderStatus } from '../../src/core/order.js';
import type { NotificationDraft, OrderStore } from '../../src/core/ports.js';
import { sampleOrder } from '../support/orders.js';
import { fixtureScope } from './fixtures.js';

export interface StoreFixture {
  store: OrderStore;
  cleanup(): Promise<void>;
}

export interface StoreContractSettings {
  /** Started once before the suite (a server), stopped after it. */
  setup?: () => Promise<() => Promise<void>>;
  /** Skip the whole suite with this visible reason (a server that is not there). */
  skip?: string | false;
}

export function order(mode: 'sync' | 'async' = 'async', customer = 1234): Order {
  return newOrder(sampleOrder(customer, customer % 3), randomUUID(), mode, Date.now());
}

function note(o: Order, subject = 'confirmed'): NotificationDraft {
  return {
    order_id: o.order_id,
    recipient: `customer-${o.customer_id}@example.test`,
    subject,
    body: `order ${subject}`,
  };
}

/**
 * The OrderStore contract: every adapter (SQLite, PostgreSQL) accepts,
 * replays and refuses by idempotency key, guards transitions so that of two
 * concurrent moves out of a status exactly one wins, and records a
 * notification only with the transition that wins.
 */
export function storeContract(
  name: string,
  factory: () => Promise<StoreFixture>,
  settings: StoreContractSettings = {},
) {
  describe(`OrderStore contract: ${name}`, { skip: settings.skip || false }, () => {
    const make = fixtureScope(factory, settings);
    const open = async () => {
      const f = await make();
      return f.store;
    };

    test('accept stores the order as given; get returns it; an unknown id is undefined', async () => {
      const store = await open();
      const o = order();
      assert.deepEqual(await store.accept({ order: o, publish: true }), { kind: 'created', order: o });
      assert.deepEqual(await store.get(o.order_id), o);
      assert.equal(await store.get('no-such-order'), undefined);
    });

    test('a published order writes one message with it; an unpublished one writes none', async () => {
      const store = await open();
      await store.accept({ order: order('async'), publish: true });
      await store.accept({ order: { ...order('sync'), status: 'processing' }, publish: false });
      assert.deepEqual(await store.counts(), { orders: 2, messages: 1, notifications: 0 });
    });

    test('the same idempotency key replays the first order; reused for another body it conflicts', async () => {
      const store = await open();
      const first = order();
      const key = `key-${randomUUID()}`;
      const created = await store.accept({ order: first, idempotencyKey: key, requestHash: 'h1', publish: true });
      assert.equal(created.kind, 'created');
      const replay = await store.accept({ order: order(), idempotencyKey: key, requestHash: 'h1', publish: true });
      assert.deepEqual(replay, { kind: 'replayed', order: first });
      const conflict = await store.accept({ order: order(), idempotencyKey: key, requestHash: 'h2', publish: true });
      assert.deepEqual(conflict, { kind: 'conflict', orderId: first.order_id });
      assert.deepEqual(await store.counts(), { orders: 1, messages: 1, notifications: 0 });
    });

    test('50 concurrent accepts with one key create one order and one message', async () => {
      const store = await open();
      const key = `key-${randomUUID()}`;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () =>
          store.accept({ order: order(), idempotencyKey: key, requestHash: 'same', publish: true }),
        ),
      );
      const created = outcomes.filter((o) => o.kind === 'created');
      assert.equal(created.length, 1);
      const id = created[0]?.kind === 'created' ? created[0].order.order_id : '';
      for (const outcome of outcomes) {
        assert.ok(outcome.kind === 'created' || outcome.kind === 'replayed', outcome.kind);
        assert.equal(outcome.order.order_id, id);
      }
      assert.deepEqual(await store.counts(), { orders: 1, messages: 1, notifications: 0 });
    });

    test('100 concurrent accepts of different orders are all stored', async () => {
      const store = await open();
      const orders = Array.from({ length: 100 }, (_, i) => order('async', 1000 + i));
      const outcomes = await Promise.all(orders.map((o) => store.accept({ order: o, publish: true })));
      assert.ok(outcomes.every((o) => o.kind === 'created'));
      assert.deepEqual(await store.counts(), { orders: 100, messages: 100, notifications: 0 });
      assert.equal((await store.countByStatus()).pending, 100);
    });

    test('a transition moves an order only from the given statuses and applies the patch', async () => {
      const store = await open();
      const o = order();
      await store.accept({ order: o, publish: true });
      assert.equal(await store.transition(o.order_id, ['processing'], { status: 'completed' }), undefined);
      assert.equal(await store.transition('no-such-order', ['pending'], { status: 'processing' }), undefined);
      const processing = await store.transition(o.order_id, ['pending'], { status: 'processing' });
      assert.equal(processing?.status, 'processing');
      const processedAt = new Date().toISOString();
      const failed = await store.transition(o.order_id, ['pending', 'processing'], {
        status: 'failed',
        processed_at: processedAt,
        processing_time_ms: 3001.5,
        failure_reason: 'card declined',
      });
      assert.deepEqual(failed, {
        ...o,
        status: 'failed',
        processed_at: processedAt,
        processing_time_ms: 3001.5,
        failure_reason: 'card declined',
      });
      assert.deepEqual(await store.get(o.order_id), failed);
    });

    test('of two concurrent transitions out of processing exactly one wins, with its notification only', async () => {
      const store = await open();
      for (let round = 0; round < 10; round++) {
        const o = order();
        await store.accept({ order: o, publish: true });
        await store.transition(o.order_id, ['pending'], { status: 'processing' });
        const [a, b] = await Promise.all([
          store.transition(o.order_id, ['processing'], { status: 'completed' }, note(o, 'completed')),
          store.transition(o.order_id, ['processing'], { status: 'failed' }, note(o, 'failed')),
        ]);
        const winners = [a, b].filter((x) => x !== undefined);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        const final = await store.get(o.order_id);
        assert.equal(final?.status, winners[0]?.status);
        const notes = await store.notifications({ orderId: o.order_id });
        assert.deepEqual(
          notes.map((n) => n.subject),
          [winners[0]?.status],
        );
      }
    });

    test('countByStatus counts every status, zero included', async () => {
      const store = await open();
      const [a, b, c] = [order(), order(), order()];
      for (const o of [a, b, c]) await store.accept({ order: o, publish: true });
      await store.transition(a.order_id, ['pending'], { status: 'processing' });
      await store.transition(b.order_id, ['pending'], { status: 'failed' });
      assert.deepEqual(await store.countByStatus(), { pending: 1, processing: 1, completed: 0, failed: 1 });
    });

    test('a notification is recorded with its transition, listed, and its delivery can be marked', async () => {
      const store = await open();
      const o = order();
      await store.accept({ order: o, publish: true });
      const draft = note(o, `Your order ${o.order_id} is confirmed`);
      await store.transition(o.order_id, ['pending'], { status: 'processing' });
      await store.transition(o.order_id, ['processing'], { status: 'completed' }, draft);
      const [record, ...rest] = await store.notifications({ orderId: o.order_id });
      assert.equal(rest.length, 0);
      assert.ok(record);
      assert.equal(record.order_id, o.order_id);
      assert.equal(record.recipient, draft.recipient);
      assert.equal(record.subject, draft.subject);
      assert.equal(record.body, draft.body);
      assert.equal(record.delivery, 'recorded');
      assert.ok(Number.isInteger(record.id));
      assert.ok(!Number.isNaN(Date.parse(record.created_at)));
      assert.equal(record.delivery_error, undefined);
      await store.markNotification(record.id, 'failed', 'mailbox full');
      const [failed] = await store.notifications({ orderId: o.order_id });
      assert.equal(failed?.delivery, 'failed');
      assert.equal(failed?.delivery_error, 'mailbox full');
      const other = order();
      await store.accept({ order: other, publish: true });
      await store.transition(other.order_id, ['pending'], { status: 'failed' }, note(other, 'failed'));
      const latest = await store.notifications({ limit: 1 });
      assert.deepEqual(
        latest.map((n) => n.order_id),
        [other.order_id],
      );
      assert.equal((await store.counts()).notifications, 2);
    });

    test('a transition the state machine forbids is refused as a bug and changes nothing', async () => {
      const store = await open();
      const o = order();
      await store.accept({ order: o, publish: true });
      const refused = async (from: OrderStatus[], to: OrderStatus) =>
        assert.rejects(store.transition(o.order_id, from, { status: to }, note(o)), TypeError, `${from} → ${to}`);
      await refused(['pending'], 'completed');
      await refused(['pending', 'processing'], 'completed');
      await refused([], 'processing');
      assert.equal((await store.get(o.order_id))?.status, 'pending');
      await store.transition(o.order_id, ['pending'], { status: 'processing' });
      await store.transition(o.order_id, ['processing'], { status: 'completed' });
      await refused(['completed'], 'failed');
      await refused(['completed'], 'pending');
      await refused(['processing', 'completed'], 'failed');
      assert.equal((await store.get(o.order_id))?.status, 'completed');
      assert.equal((await store.counts()).notifications, 0, 'a refused transition records no notification');
    });

    test('a failed order keeps its failure code; reopened, it loses it', async () => {
      const store = await open();
      const o = order();
      await store.accept({ order: o, publish: true });
      await store.transition(o.order_id, ['pending'], { status: 'processing' });
      const failed = await store.transition(o.order_id, ['processing'], {
        status: 'failed',
        failure_reason: 'card declined',
        failure_code: 'declined',
      });
      assert.equal(failed?.failure_code, 'declined');
      assert.equal((await store.get(o.order_id))?.failure_code, 'declined');
      const reopened = await store.transition(o.order_id, ['failed'], { status: 'pending' });
      assert.equal(reopened?.status, 'pending');
      assert.equal(reopened?.failure_code, undefined);
    });

    test('stranded sync orders: processing, owned by a silent, unknown or no node (old enough), or by the caller', async () => {
      const store = await open();
      const now = Date.now();
      const staleBefore = now - 30_000;
      await store.heartbeat({ id: 'alive', role: 'api', startedAt: now - 60_000 }, now);
      await store.heartbeat({ id: 'silent', role: 'api', startedAt: now - 120_000 }, now - 60_000);
      const sync = (owner: string | undefined, createdAgoMs = 0) => ({
        order: { ...order('sync'), created_at: new Date(now - createdAgoMs).toISOString() },
        owner,
      });
      const cases = {
        alive: sync('alive', 90_000),
        silent: sync('silent'),
        ghost: sync('never-registered'),
        self: sync('me'),
        ownerlessOld: sync(undefined, 60_000),
        ownerlessNew: sync(undefined),
      };
      // Oldest first: the ownerless old one, then in the order they were accepted.
      for (const { order: o, owner } of Object.values(cases)) {
        await store.accept({ order: o, publish: false, ...(owner ? { owner } : {}) });
      }
      const finished = sync('silent');
      await store.accept({ order: finished.order, publish: false, owner: 'silent' });
      await store.transition(finished.order.order_id, ['processing'], { status: 'completed' });
      const asyncOrder = order('async');
      await store.accept({ order: asyncOrder, publish: true });
      await store.transition(asyncOrder.order_id, ['pending'], { status: 'processing' });

      const stranded = await store.strandedSyncOrders({ self: 'me', staleBefore, limit: 10 });
      assert.deepEqual(
        new Set(stranded.map((o) => o.order_id)),
        new Set([cases.silent, cases.ghost, cases.self, cases.ownerlessOld].map((c) => c.order.order_id)),
      );
      assert.equal(stranded[0]?.order_id, cases.ownerlessOld.order.order_id, 'oldest first');
      const silent = stranded.find((o) => o.order_id === cases.silent.order.order_id);
      assert.deepEqual(silent, cases.silent.order, 'returned as stored, without its owner');
      assert.equal((await store.strandedSyncOrders({ self: 'me', staleBefore, limit: 2 })).length, 2);

      // Its heartbeat brings the silent node back: its orders are its own again.
      await store.heartbeat({ id: 'silent', role: 'api', startedAt: now - 120_000 }, now);
      const after = await store.strandedSyncOrders({ self: 'me', staleBefore, limit: 10 });
      assert.ok(!after.some((o) => o.order_id === cases.silent.order.order_id));
      assert.equal(await store.pruneNodes(now - 1), 0);
      assert.equal(await store.pruneNodes(now + 1), 2);
    });
  });
}
