import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QueueLine } from '../../src/core/queue-position.js';

describe('QueueLine (Fenwick tree over accept numbers)', () => {
  test('the orders ahead are the ones that joined before and have not left', () => {
    const line = new QueueLine();
    for (let i = 0; i < 10; i++) line.push(`o${i}`);
    assert.deepEqual(
      Array.from({ length: 10 }, (_, i) => line.ahead(`o${i}`)),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    for (const id of ['o0', 'o1', 'o2']) assert.equal(line.remove(id), true);
    assert.equal(line.ahead('o3'), 0);
    assert.equal(line.ahead('o9'), 6);
    assert.equal(line.ahead('o0'), undefined, 'an order that left has no place');
    assert.equal(line.remove('o0'), false, 'leaving twice changes nothing');
    line.push('o0');
    assert.equal(line.ahead('o0'), 7, 'an order that joins again goes to the back');
    assert.equal(line.size, 8);
  });

  test('agrees with a plain list through many joins and leaves, across rebuilds of the tree', () => {
    // Small capacity: the numbers run out and the line is renumbered many times.
    const line = new QueueLine(8);
    const model: string[] = [];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let next = 0;
    for (let step = 0; step < 20_000; step++) {
      if (model.length === 0 || random() < 0.55) {
        const id = `o${next++}`;
        line.push(id);
        model.push(id);
      } else {
        const [id] = model.splice(Math.floor(random() * model.length), 1);
        assert.equal(line.remove(id as string), true);
      }
      if (step % 97 === 0) {
        for (const [i, id] of model.entries()) assert.equal(line.ahead(id), i, `step ${step}: ${id}`);
      }
    }
    assert.equal(line.size, model.length);
  });
});
