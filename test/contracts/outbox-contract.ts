import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { orderMessage } from '../../src/core/order.js';
import type { Outbox } from '../../src/core/outbox.js';
import type { OrderStore } from '../../src/core/ports.js';
import { waitFor } from '../support/service.js';
import { fixtureScope } from './fixtures.js';
import type { StoreContractSettings } from './store-contract.js';
import { order } from './store-contract.js';

export interface OutboxFixture {
  store: OrderStore;
  outbox: Outbox;
  /** Topic the store writes order messages to. */
  topic: string;
  cleanup(): Promise<void>;
}

/**
 * The Outbox contract (SQLite and PostgreSQL): the order's message is written
 * with it, leased by one relay at a time, released or marked sent, and never
 * handed out again once sent.
 */
export function outboxContract(
  name: string,
  factory: () => Promise<OutboxFixture>,
  settings: StoreContractSettings = {},
) {
  describe(`Outbox contract: ${name}`, { skip: settings.skip || false }, () => {
    const open = fixtureScope(factory, settings);

    test('an accepted order leaves its message in the outbox and tells the relay', async () => {
      const { store, outbox, topic } = await open();
      let told = 0;
      const stop = outbox.onWrite(() => told++);
      const o = order();
      await store.accept({ order: o, publish: true });
      await store.accept({ order: { ...order('sync'), status: 'processing' }, publish: false });
      stop();
      assert.equal(told, 1);
      assert.deepEqual(await outbox.counts(), { pending: 1, sent: 0 });
      const [entry, ...rest] = await outbox.claim(10, 30_000);
      assert.equal(rest.length, 0);
      assert.equal(entry?.topic, topic);
      assert.deepEqual(JSON.parse(entry?.body ?? '{}'), orderMessage(o));
      assert.ok(Math.abs((entry?.createdAt ?? 0) - Date.now()) < 60_000);
    });

    test('a leased row is hidden from other relays until released; once sent it is never handed out', async () => {
      const { store, outbox } = await open();
      await store.accept({ order: order(), publish: true });
      const [entry] = await outbox.claim(10, 30_000);
      assert.ok(entry);
      assert.deepEqual(await outbox.claim(10, 30_000), []);
      await outbox.release([entry.id]);
      const [again] = await outbox.claim(10, 30_000);
      assert.equal(again?.id, entry.id);
      await outbox.markSent([entry.id]);
      await outbox.release([entry.id]);
      assert.deepEqual(await outbox.claim(10, 0), []);
      assert.deepEqual(await outbox.counts(), { pending: 0, sent: 1 });
    });

    test('a lease that runs out makes the row claimable again (a relay that died)', async () => {
      const { store, outbox } = await open();
      await store.accept({ order: order(), publish: true });
      const [entry] = await outbox.claim(10, 150);
      assert.ok(entry);
      const again = await waitFor(async () => (await outbox.claim(10, 30_000))[0], { timeoutMs: 5000, intervalMs: 20 });
      assert.equal(again.id, entry.id);
    });

    test('concurrent claims share the rows without overlap, oldest first', async () => {
      const { store, outbox } = await open();
      for (let i = 0; i < 30; i++) await store.accept({ order: order('async', 1000 + i), publish: true });
      const batches = await Promise.all([outbox.claim(10, 30_000), outbox.claim(10, 30_000), outbox.claim(10, 30_000)]);
      const ids = batches.flat().map((e) => e.id);
      assert.equal(ids.length, 30);
      assert.equal(new Set(ids).size, 30);
      for (const batch of batches) {
        const numeric = batch.map((e) => Number(e.id));
        assert.deepEqual(
          numeric,
          [...numeric].sort((a, b) => a - b),
        );
      }
    });

    test('purge removes sent rows older than the cut-off and keeps unsent ones', async () => {
      const { store, outbox } = await open();
      for (let i = 0; i < 3; i++) await store.accept({ order: order(), publish: true });
      const [first, second] = await outbox.claim(2, 30_000);
      await outbox.markSent([first?.id ?? '', second?.id ?? '']);
      assert.equal(await outbox.purge(Date.now() - 60_000), 0);
      assert.equal(await outbox.purge(Date.now() + 60_000), 2);
      assert.deepEqual(await outbox.counts(), { pending: 1, sent: 0 });
    });
  });
}
