import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StockChange } from '../../src/core/catalog.js';
import { SoldOut } from '../../src/core/sold-out.js';

/** A stock source the test speaks for, as the catalog's onStock would. */
function source() {
  const listeners = new Set<(change: StockChange) => void>();
  return {
    onStock(listener: (change: StockChange) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    say(change: StockChange) {
      for (const listener of listeners) listener(change);
    },
  };
}

const mug = [{ product_id: 'MUG', quantity: 1, price: 29.99 }];

test('an accept that leaves 0 marks the sku; units coming back clear it', () => {
  const stock = source();
  const soldOut = new SoldOut(stock);
  assert.equal(soldOut.check(mug), undefined);
  soldOut.observe(soldOut.mark(), { stock: [{ sku: 'MUG', available: 0 }] });
  assert.deepEqual(soldOut.check(mug), { reason: 'sold_out', sku: 'MUG', available: 0 });
  assert.equal(soldOut.check([{ product_id: 'CUP', quantity: 1, price: 1 }]), undefined);
  stock.say({ sku: 'MUG', available: 1 });
  assert.equal(soldOut.check(mug), undefined);
  // A refusal with none left marks it too; one with a few left (the order wanted more) does not.
  soldOut.observe(soldOut.mark(), { rejection: { reason: 'sold_out', sku: 'MUG', available: 1 } });
  assert.equal(soldOut.has('MUG'), false);
  soldOut.observe(soldOut.mark(), { rejection: { reason: 'sold_out', sku: 'MUG', available: 0 } });
  assert.equal(soldOut.has('MUG'), true);
  stock.say({ sku: 'MUG', available: null });
  assert.equal(soldOut.has('MUG'), false, 'a removed product is no longer known sold out');
});

test('a release heard while an accept was under way wins over the accept’s stale 0', () => {
  const stock = source();
  const soldOut = new SoldOut(stock);
  const before = soldOut.mark();
  // The accept read 0 left; before its answer arrives, a failed order's units come back.
  stock.say({ sku: 'MUG', available: 1 });
  soldOut.observe(before, { stock: [{ sku: 'MUG', available: 0 }] });
  assert.equal(soldOut.has('MUG'), false, 'units are on sale: the store must be asked');
  soldOut.close();
  stock.say({ sku: 'MUG', available: 0 });
  assert.equal(soldOut.has('MUG'), false, 'closed: no longer listening');
});
