import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { checkProduct } from '../../src/core/catalog.js';
import { Checkout } from '../../src/core/checkout.js';
import { ScaledClock } from '../../src/core/clock.js';
import { Notifier } from '../../src/core/notifier.js';
import type { OrderStore } from '../../src/core/ports.js';
import { SoldOut } from '../../src/core/sold-out.js';
import { SqliteCatalog } from '../../src/sqlite/catalog.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { SqliteOutbox } from '../../src/sqlite/outbox.js';
import { tempDir } from '../support/service.js';

/**
 * The checkout's sold-out fast path on a real SQLite store and catalog: once
 * an accept took the last unit, the next orders of the sku are refused without
 * reaching the store; a release puts the store back in the path.
 */
test('after the last unit, the checkout refuses the sku without reaching the store, until units come back', async () => {
  const { dir, cleanup } = tempDir('flashsale-sold-out-');
  const database = new SqliteDatabase({ path: join(dir, 'store.db') });
  const clock = new ScaledClock(0.01);
  const outbox = new SqliteOutbox({ database, clock });
  const real = new SqliteOrderStore({ database, publisher: outbox });
  const catalog = new SqliteCatalog({ database });
  // The real store, counting the accepts that reach it.
  let reached = 0;
  const store: OrderStore = Object.create(real, {
    accept: {
      value: (request: Parameters<OrderStore['accept']>[0]) => {
        reached++;
        return real.accept(request);
      },
    },
  });
  const logger = pino({ level: 'silent' });
  const notifier = new Notifier({ store, clock, logger }, { from: 'shop@test', recipientDomain: 'test', attempts: 1 });
  const soldOut = new SoldOut(catalog);
  const checkout = new Checkout(
    { store, notifier, clock, soldOut },
    { replayDeadlineMs: 1000, holdAbandonedPayments: false, stock: { mode: 'open' } },
  );
  try {
    await Promise.all([outbox.init(), real.init()]);
    await catalog.put(checkProduct('MUG', { price: 29.99, stock: 1 }));
    const order = (customer: number) => ({
      customer_id: customer,
      items: [{ product_id: 'MUG', quantity: 1, price: 29.99 }],
    });

    const first = await checkout.submitAsync(order(1));
    assert.equal(first.kind, 'accepted');
    assert.equal(reached, 1);
    for (let customer = 2; customer <= 6; customer++) {
      assert.deepEqual(await checkout.submitAsync(order(customer)), {
        kind: 'rejected',
        rejection: { reason: 'sold_out', sku: 'MUG', available: 0 },
      });
    }
    assert.equal(reached, 1, 'the sold-out answers never reached the store');
    assert.equal((await real.counts()).orders, 1);

    // The first order fails: its unit comes back, and the next order reaches the store and takes it.
    const id = first.kind === 'accepted' ? first.order.order_id : '';
    const patch = { status: 'failed' as const, failure_code: 'declined' as const, failure_reason: 'declined' };
    assert.equal((await real.transition(id, ['pending'], patch))?.status, 'failed');
    assert.equal((await checkout.submitAsync(order(7))).kind, 'accepted');
    assert.equal(reached, 2);
  } finally {
    soldOut.close();
    await database.close();
    cleanup();
  }
});
