import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyAt, queueGrowth, saturatedRate, slope } from '../../src/lab/measure.js';
import { LabUsageError, resolveLabOptions, selectPhases } from '../../src/lab/options.js';
import type { QueuePoint } from '../../src/lab/stats-sampler.js';
import { burstTheory, workersNeeded } from '../../src/lab/theory.js';

/** A simulated pool: `workers` start one by one as orders arrive at `rate`/s, each paying `latency` s. */
function simulate(workers: number, rate: number, burstS: number, latency: number, every = 0.1): QueuePoint[] {
  const finishes: number[] = [];
  const free = Array.from({ length: workers }, () => 0);
  for (let i = 0; i < rate * burstS; i++) {
    const arrival = i / rate;
    free.sort((a, b) => a - b);
    const start = Math.max(arrival, free[0]!);
    free[0] = start + latency;
    finishes.push(start + latency);
  }
  const end = Math.max(...finishes) + 1;
  const points: QueuePoint[] = [];
  for (let t = 0; t <= end; t += every) {
    const accepted = Math.min(rate * burstS, Math.floor(t * rate) + 1);
    const completed = finishes.filter((f) => f <= t).length;
    const inFlight = Math.min(workers, accepted - completed);
    points.push({
      t: Math.round(t * 1000) / 1000,
      visible: accepted - completed - inFlight,
      inFlight,
      deadLetters: 0,
      workers,
      busy: inFlight,
      paymentsInFlight: inFlight,
      paymentsWaiting: 0,
      accepted,
      completed,
      failed: 0,
    });
  }
  return points;
}

describe('lab measurements', () => {
  test('the saturated rate of a bunched pool is N ÷ L, whatever the window', () => {
    for (const workers of [1, 5, 20, 100]) {
      const series = simulate(workers, 60, 10, 3);
      const rate = saturatedRate(series, 3);
      assert.ok(rate, `a rate for ${workers} workers`);
      assert.ok(Math.abs(rate.rate / (workers / 3) - 1) < 0.02, `${workers}: ${rate.rate} vs ${workers / 3}`);
    }
  });

  test('no rate without a backlog, or over less than one payment time', () => {
    assert.equal(saturatedRate(simulate(300, 60, 5, 3), 3), undefined);
    assert.equal(saturatedRate(simulate(1, 60, 10, 3).slice(0, 40), 3), undefined);
  });

  test('queue growth, slope and the moment the queue is empty', () => {
    const series = simulate(20, 60, 10, 3);
    const growth = queueGrowth(series, 4, 10);
    assert.ok(Math.abs(growth - (60 - 20 / 3)) < 2, `growth ${growth}`);
    assert.equal(slope([{ x: 1, y: 2 }]), 0);
    assert.equal(
      slope([
        { x: 0, y: 1 },
        { x: 2, y: 5 },
      ]),
      2,
    );
    const empty = emptyAt(series, 10, 600);
    assert.ok(empty && empty.t > 10 + 500 / (20 / 3) && empty.t < 10 + 600 / (20 / 3), `empty at ${empty?.t}`);
  });

  test('theory: the burst backlog counts the first payment time, and 180 workers for 60/s', () => {
    const t = burstTheory(100, 10, 3);
    assert.equal(t.orders, 600);
    assert.ok(Math.abs(t.peakBacklog - (600 - (100 / 3) * 7)) < 1e-9);
    assert.ok(Math.abs(t.drainS - t.peakBacklog / (100 / 3)) < 1e-9);
    assert.equal(workersNeeded(3), 180);
  });

  test('phase selection expands groups, keeps the study order and names a bad phase', () => {
    assert.deepEqual(selectPhases(['workers', 'sync-normal']), ['sync-normal', 'scaling', 'min-workers']);
    assert.deepEqual(selectPhases(['async,sync']), ['sync-normal', 'sync-flash', 'async-flash']);
    assert.throws(
      () => selectPhases(['warp']),
      (e: Error) => e instanceof LabUsageError && /"warp"/.test(e.message),
    );
    assert.throws(() => resolveLabOptions({ timeScale: 0 }), /--time-scale/);
    assert.throws(() => resolveLabOptions({ workerCounts: [0] }), /--workers/);
    assert.equal(resolveLabOptions().phases.length, 7);
    assert.deepEqual(selectPhases(['stock']), ['sellout']);
    assert.equal(resolveLabOptions().phases.at(-1), 'sellout');
  });
});
