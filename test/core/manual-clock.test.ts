import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAbortError } from '../../src/core/clock.js';
import { ManualClock } from '../../src/core/manual-clock.js';

describe('manual clock', () => {
  test('time moves only when advanced; sleeps resolve in due order, ties in the order they began', async () => {
    const clock = new ManualClock({ timeScale: 0.5, startAt: 1_000_000 });
    const woke: string[] = [];
    const sleep = (name: string, simulatedMs: number) => clock.sleep(simulatedMs).then(() => woke.push(name));
    const all = Promise.all([sleep('c', 300), sleep('a', 100), sleep('b', 200), sleep('b2', 200)]);
    assert.equal(clock.now(), 1_000_000);
    assert.equal(clock.monotonic(), 0);
    assert.equal(clock.pending, 4);
    assert.equal(clock.nextDueIn(), 50, 'simulated 100 ms at scale 0.5');

    await clock.advance(99);
    assert.deepEqual(woke, ['a'], 'b is due at 100');
    await clock.advance(1);
    assert.deepEqual(woke, ['a', 'b', 'b2']);
    assert.equal(clock.monotonic(), 100);
    assert.equal(clock.now(), 1_000_100);
    await clock.advance(50);
    await all;
    assert.deepEqual(woke, ['a', 'b', 'b2', 'c']);
    assert.equal(clock.pending, 0);
  });

  test('a sleep begun by a waking sleeper within the advanced span resolves in the same advance, in order', async () => {
    const clock = new ManualClock();
    const woke: Array<[string, number]> = [];
    const chain = (async () => {
      await clock.sleepReal(10);
      woke.push(['first', clock.monotonic()]);
      await clock.sleepReal(10);
      woke.push(['second', clock.monotonic()]);
    })();
    const other = clock.sleepReal(15).then(() => woke.push(['other', clock.monotonic()]));
    await clock.advance(100);
    await Promise.all([chain, other]);
    assert.deepEqual(woke, [
      ['first', 10],
      ['other', 15],
      ['second', 20],
    ]);
  });

  test('tick moves to the next sleep; abort signals end sleeps without moving time', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const aborted = clock.sleepReal(1000, controller.signal).then(
      () => 'resolved',
      (error) => (isAbortError(error) ? 'aborted' : 'other'),
    );
    const later = clock.sleepReal(500);
    controller.abort();
    assert.equal(await aborted, 'aborted');
    assert.equal(clock.pending, 1, 'the aborted sleep is gone');
    await assert.rejects(clock.sleepReal(10, controller.signal), (error) => isAbortError(error));
    assert.equal(await clock.tick(), 500);
    await later;
    assert.equal(clock.monotonic(), 500);
    assert.equal(await clock.tick(), 0, 'nothing left to wake');
  });

  test('tests can wait until the code under test sleeps, and for how long', async () => {
    const clock = new ManualClock();
    const started = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await clock.sleepReal(250);
      return clock.monotonic();
    })();
    await clock.untilSleepingFor(250);
    await clock.advance(250);
    assert.equal(await started, 250);
    await assert.rejects(clock.untilSleeping(1, 20), /timed out waiting for 1 sleep/);
  });
});
