import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { type NextRound, PollLoop, type PollLoopDeps } from '../../src/core/poll-loop.js';
import { countUnhandledRejections, recordingLogger } from '../support/manual-time.js';
import { waitFor } from '../support/service.js';

const BACKOFF = { baseMs: 100, maxMs: 1000 };

/** A loop on a manual clock around `round`; the random numbers of its jitter are given in order. */
function loopOf<W>(
  round: (signal: AbortSignal) => Promise<NextRound>,
  extra: Partial<PollLoopDeps<W>> = {},
  randoms: number[] = [0.5],
) {
  const clock = new ManualClock();
  const logger = recordingLogger();
  const health = new DependencyHealth({ clock, logger });
  let i = 0;
  const random = () => randoms[Math.min(i++, randoms.length - 1)] ?? 0.5;
  const loop = new PollLoop<W>(
    { clock, logger, health, round, random, ...extra },
    { name: 'test loop', dependency: 'bus', backoff: BACKOFF },
  );
  return { clock, logger, health, loop };
}

describe('poll loop', () => {
  test('stop waits out the grace period, then releases only the work still running', async () => {
    let finishQuick = () => {};
    const released: string[] = [];
    let handedOut = false;
    const { clock, loop } = loopOf<string>(
      async () => {
        if (!handedOut) {
          handedOut = true;
          loop.run('quick', new Promise((resolve) => (finishQuick = resolve)));
          loop.run('slow', new Promise(() => {}));
        }
        return 'idle';
      },
      { release: async (item) => void released.push(item) },
    );
    loop.start();
    await waitFor(() => loop.busy === 2, { message: 'two pieces of work taken' });
    let stopped = false;
    const stopping = loop.stop(1000).then(() => (stopped = true));
    await clock.untilSleepingFor(1000);
    finishQuick();
    await clock.advance(999);
    assert.equal(stopped, false, 'the grace period is not over');
    assert.deepEqual(released, []);
    await clock.advance(1);
    await stopping;
    assert.deepEqual(released, ['slow'], 'the finished work is not given back');
  });

  test('abort ends a long poll and the loop polls again at once; stop ends one without time passing', async () => {
    let rounds = 0;
    const { clock, health, loop } = loopOf(async (signal) => {
      rounds++;
      await clock.sleep(20_000, signal);
      return 'again';
    });
    loop.start();
    await clock.untilSleepingFor(20_000);
    loop.abort();
    await waitFor(() => rounds === 2, { message: 'a second round' });
    await clock.untilSleepingFor(20_000);
    assert.equal(clock.pending, 1, 'no backoff: an abort is not a failure');
    assert.equal(health.snapshot().bus?.state, 'up');
    await loop.stop(1000);
    assert.equal(clock.monotonic(), 0, 'neither the abort nor the stop waited for the long poll');
    assert.equal(clock.pending, 0);
  });

  test('failures back off with full jitter within doubling bounds; a success resets them; logged once each way', async () => {
    let failuresLeft = 6;
    const attemptsAt: number[] = [];
    const { clock, logger, health, loop } = loopOf(
      async () => {
        attemptsAt.push(clock.monotonic());
        if (failuresLeft-- > 0) throw new Error('connect ECONNREFUSED');
        return { afterMs: 60_000 };
      },
      {},
      [0.9, 0.1, 0.5, 0.99, 0.3, 0.7, 0.9],
    );
    loop.start();
    const delays: number[] = [];
    for (let k = 0; k < 6; k++) {
      await clock.untilSleeping();
      const delay = clock.nextDueIn() ?? -1;
      assert.ok(delay >= 0 && delay <= Math.min(1000, 100 * 2 ** k), `delay ${k}: ${delay} ms`);
      delays.push(delay);
      await clock.tick();
    }
    // Ceilings 100, 200, 400, 800, 1000, 1000 times the random draws.
    assert.deepEqual(delays, [90, 20, 200, 792, 300, 700]);
    await clock.untilSleepingFor(60_000);
    assert.deepEqual(
      attemptsAt.slice(1).map((at, i) => at - (attemptsAt[i] ?? 0)),
      delays,
      'each retry came when its delay ran out',
    );
    assert.equal(health.snapshot().bus?.state, 'up');
    assert.equal(health.snapshot().bus?.outages, 1);
    assert.deepEqual(logger.at('warn'), ['bus is unavailable; retrying with backoff until it answers']);
    assert.deepEqual(logger.at('info'), ['bus is back after 2.1 s']);

    failuresLeft = 1;
    await clock.tick();
    await clock.untilSleeping();
    assert.ok((clock.nextDueIn() ?? -1) <= 100, 'after a success the next failure starts from the base again');
    await loop.stop(0);
  });

  test('a probed dependency going down aborts the round; no round runs until its probe answers', async () => {
    let rounds = 0;
    let probes = 0;
    let storeAnswers = false;
    const { clock, health, loop } = loopOf(
      async (signal) => {
        rounds++;
        await clock.sleep(20_000, signal);
        return 'again';
      },
      {
        probes: {
          store: async () => {
            probes++;
            if (!storeAnswers) throw new Error('the database system is shutting down');
          },
        },
      },
    );
    loop.start();
    await clock.untilSleepingFor(20_000);
    // As a worker would on a failed write.
    health.down('store', new Error('terminating connection due to administrator command'));
    await clock.untilSleepingFor(50);
    assert.equal(clock.pending, 1, 'the long poll was aborted');
    await clock.tick();
    await clock.untilSleepingFor(100);
    assert.equal(probes, 1);
    storeAnswers = true;
    await clock.tick();
    await clock.untilSleepingFor(20_000);
    assert.deepEqual([rounds, probes], [2, 2]);
    assert.equal(health.isUp('store'), true);
    await loop.stop(0);
  });

  test('it never dies and never leaves a rejection unhandled, whatever a round or its work throws', async () => {
    const unhandled = countUnhandledRejections();
    try {
      let rounds = 0;
      const { clock, logger, health, loop } = loopOf(async () => {
        rounds++;
        if (rounds === 1) {
          loop.run('bad', Promise.reject(new Error('work bug')));
          throw 'not even an Error';
        }
        return { afterMs: 1000 };
      });
      loop.start();
      await clock.untilSleeping();
      assert.equal(health.isUp('bus'), false, 'blamed on the main dependency');
      await clock.tick();
      await clock.untilSleepingFor(1000);
      assert.equal(rounds, 2);
      assert.equal(health.isUp('bus'), true);
      assert.equal(loop.busy, 0);
      assert.ok(logger.at('error').includes('test loop: work failed'));
      await loop.stop(0);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(unhandled.count(), 0);
    } finally {
      unhandled.stop();
    }
  });
});
