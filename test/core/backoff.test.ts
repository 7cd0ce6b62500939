import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Backoff } from '../../src/core/backoff.js';

describe('backoff with full jitter', () => {
  test('the ceiling doubles from the base up to the bound; a delay is a uniform share of it', () => {
    const top = new Backoff({ baseMs: 100, maxMs: 5000 }, () => 0.999_999);
    const delays = Array.from({ length: 10 }, () => top.next());
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
    const bottom = new Backoff({ baseMs: 100, maxMs: 5000 }, () => 0);
    assert.deepEqual([bottom.next(), bottom.next()], [0, 0], 'full jitter may retry at once');
    const half = new Backoff({ baseMs: 100, maxMs: 5000 }, () => 0.5);
    assert.deepEqual([half.next(), half.next(), half.next()], [50, 100, 200]);
  });

  test('random delays stay within [0, ceiling] and spread over it; a success starts again from the base', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000 });
    const seen: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const ceiling = backoff.ceiling();
      const delay = backoff.next();
      assert.ok(delay >= 0 && delay <= ceiling, `${delay} within [0, ${ceiling}]`);
      if (ceiling === 1000) seen.push(delay);
    }
    const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
    assert.ok(mean > 400 && mean < 600, `uniform over the capped range, mean ${mean.toFixed(0)} ms`);
    assert.equal(backoff.attempts, 2000);
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.ceiling(), 100);
  });

  test('refuses bounds that make no sense', () => {
    assert.throws(() => new Backoff({ baseMs: 0, maxMs: 100 }), /0 < baseMs ≤ maxMs/);
    assert.throws(() => new Backoff({ baseMs: 200, maxMs: 100 }), /0 < baseMs ≤ maxMs/);
  });
});
