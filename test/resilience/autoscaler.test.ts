import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Autoscaler } from '../../src/autoscaler/autoscaler.js';
import { decide, RateWindow, type ScalingPolicy } from '../../src/autoscaler/policy.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { recordingLogger } from '../support/manual-time.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, waitFor } from '../support/service.js';

const POLICY: ScalingPolicy = {
  minWorkers: 1,
  maxWorkers: 200,
  targetDrainMs: 30_000,
  scaleUpCooldownMs: 3000,
  scaleDownCooldownMs: 30_000,
  headroom: 0,
};
const STEADY = { at: 100_000, backlog: 0, latencyMs: 3000, slots: 0 };

describe('autoscaler decision', () => {
  test('tracks arrival rate × latency, plus a backlog term, within its bounds', () => {
    assert.equal(decide({ ...STEADY, arrivalRate: 60, current: 1 }, POLICY).workers, 180);
    // 300 queued, to drain in 30 s: 10 orders/s more, 30 more workers.
    assert.equal(decide({ ...STEADY, arrivalRate: 60, backlog: 300, current: 1 }, POLICY).workers, 200, 'max');
    assert.equal(decide({ ...STEADY, arrivalRate: 10, backlog: 300, current: 1 }, POLICY).workers, 60);
    const capped = decide({ ...STEADY, arrivalRate: 60, slots: 50, current: 1 }, POLICY);
    assert.equal(capped.workers, 50, 'no more workers than the provider has slots');
    assert.equal(capped.cap, 50);
    assert.equal(decide({ ...STEADY, arrivalRate: 0, current: 10 }, POLICY).workers, 1, 'min');
    assert.match(decide({ ...STEADY, arrivalRate: 60, current: 1 }, POLICY).reason, /60\/s.*× 3 s = 180/);
    // The default 5 % headroom: at exactly λ × L every worker would be busy all the time.
    assert.equal(decide({ ...STEADY, arrivalRate: 60, current: 1 }, { ...POLICY, headroom: undefined }).workers, 189);
  });

  test('cool-downs and a tolerance keep it from flapping', () => {
    const recent = { ...STEADY, lastChangeAt: STEADY.at - 1000 };
    assert.equal(decide({ ...recent, arrivalRate: 60, current: 100 }, POLICY).action, 'hold', 'up cool-down');
    assert.equal(decide({ ...recent, arrivalRate: 60, current: 100, at: STEADY.at + 2500 }, POLICY).action, 'up');
    assert.equal(decide({ ...recent, arrivalRate: 10, current: 100 }, POLICY).action, 'hold', 'down cool-down');
    assert.equal(decide({ ...recent, arrivalRate: 10, current: 100, at: STEADY.at + 30_000 }, POLICY).action, 'down');
    assert.equal(decide({ ...STEADY, arrivalRate: 56, current: 180 }, POLICY).action, 'hold', 'within 10 % below');
    assert.equal(decide({ ...STEADY, arrivalRate: 65, current: 180 }, POLICY).action, 'hold', 'within 10 % above');
    assert.equal(decide({ ...STEADY, arrivalRate: 0.3, current: 1 }, POLICY).action, 'hold', 'one is the minimum');
    assert.equal(
      decide({ ...STEADY, arrivalRate: 0.7, current: 1 }, POLICY).workers,
      3,
      'small counts move by whole workers',
    );
  });

  test('the rate window measures arrivals per simulated second', () => {
    const window = new RateWindow(10_000);
    assert.equal(window.add(0, 0), 0);
    assert.equal(window.add(1000, 60), 60);
    for (let t = 2000; t <= 20_000; t += 1000) window.add(t, (t / 1000) * 60);
    assert.equal(window.add(21_000, 21 * 60), 60);
    // Demand stops: the rate falls to 0 once the window has passed.
    let rate = 60;
    for (let t = 22_000; t <= 32_000; t += 1000) rate = window.add(t, 21 * 60);
    assert.equal(rate, 0);
  });

  test('in a fluid model of the queue it settles near D × L, drains, and returns to the minimum', () => {
    // Demand 60/s for 5 minutes at L = 3 s; each worker finishes 1/L orders a second.
    const window = new RateWindow(10_000);
    let workers = 1;
    let backlog = 0;
    let arrivals = 0;
    let lastChangeAt: number | undefined;
    let settledAt: number | undefined;
    let peak = 0;
    for (let t = 0; t <= 600_000; t += 1000) {
      const demand = t < 300_000 ? 60 : 0;
      arrivals += demand;
      backlog = Math.max(0, backlog + demand - workers / 3);
      peak = Math.max(peak, backlog);
      const arrivalRate = window.add(t, arrivals);
      const d = decide(
        {
          at: t,
          arrivalRate,
          backlog,
          current: workers,
          latencyMs: 3000,
          slots: 0,
          ...(lastChangeAt ? { lastChangeAt } : {}),
        },
        POLICY,
      );
      if (d.action !== 'hold') lastChangeAt = t;
      workers = d.workers;
      const near = Math.abs(workers - 180) <= 18;
      if (t < 300_000) settledAt = near ? (settledAt ?? t) : undefined;
      if (t === 299_000)
        assert.ok(near && backlog < 60, `at the end of the sale: ${workers} workers, ${backlog} queued`);
    }
    assert.ok(settledAt !== undefined && settledAt < 60_000, `settled after ${settledAt} ms`);
    assert.ok(peak < 60 * 10, `queue peaked at ${Math.round(peak)}`);
    assert.equal(workers, 1);
  });
});

describe('autoscaler loop on a manual clock', () => {
  test('decides once an interval, respects its cool-downs, scales up to D × L and back down, and stops', async () => {
    // Demand 60/s for 20 simulated seconds, then none; payments take 3 s; nothing queues.
    const clock = new ManualClock({ timeScale: 0.01 });
    const saleEndsAt = 20_000;
    const simulatedNow = () => clock.unscale(clock.monotonic());
    const workers: Array<[at: number, count: number]> = [];
    let desired = 1;
    const target = {
      get desiredWorkers() {
        return desired;
      },
      setWorkers(count: number) {
        desired = count;
        workers.push([simulatedNow(), count]);
      },
    };
    const autoscaler = new Autoscaler(
      {
        target,
        signals: async () => ({
          arrivals: Math.floor((Math.min(simulatedNow(), saleEndsAt) / 1000) * 60),
          backlog: 0,
          latencyMs: 3000,
          slots: 0,
        }),
        clock,
        logger: recordingLogger(),
      },
      { ...POLICY, headroom: 0.05, intervalMs: 1000, windowMs: 10_000, tolerance: 0.1, keep: 20, backlogReadings: 3 },
    );
    autoscaler.start();
    // One interval is 10 real ms at this scale; the clock moves one interval at a time, 60 of them.
    for (let i = 0; i < 60; i++) {
      await clock.untilSleepingFor(10);
      await clock.advance(10);
    }
    assert.deepEqual(workers, [
      // The first reading of the rate: 60/s × 1.05 × 3 s.
      [1000, 189],
      // The 10 s window has slid past the sale at 30 s; the down cool-down (30 s after the change at 1 s) ends at 31 s.
      [31_000, 1],
    ]);
    const snapshot = autoscaler.snapshot();
    assert.equal(snapshot.last?.at_ms, 60_000, 'a decision every interval, the last at 60 s');
    assert.deepEqual(
      snapshot.changes.map((c) => c.reason.length > 0),
      [true, true],
    );
    await autoscaler.stop('test over');
    assert.equal(clock.pending, 0, 'stopped: no decision pending');
    assert.equal(autoscaler.snapshot().enabled, false);
  });
});

describe('autoscaler in the running service', () => {
  test('at constant demand it converges to D × L workers, keeps the queue bounded, and scales back down', async (t) => {
    // 50 orders a second of wall time at this scale: steady enough on a busy machine.
    const scale = 0.2;
    const demand = 10; // orders per simulated second
    const latency = 3000;
    const target = (demand * latency) / 1000; // 30 workers
    const service = await startTestService(
      {
        timeScale: scale,
        workers: 1,
        payment: { latencyMs: latency, slots: 0 },
        autoscale: { enabled: true, minWorkers: 1, maxWorkers: 200, scaleDownCooldownMs: 15_000 },
      },
      { dashboard: false },
    );
    try {
      const started = performance.now();
      const simNow = () => (performance.now() - started) / scale;
      const saleMs = 90_000;
      let sent = 0;
      let reachedAt: number | undefined;
      // Samples of the second half of the sale, and how many of them were within 10 %.
      const late = { samples: 0, near: 0 };
      let peak = 0;
      const posts: Promise<unknown>[] = [];
      // Open loop: send whatever the schedule says is due, every few ms.
      while (simNow() < saleMs) {
        const due = Math.floor((simNow() / 1000) * demand);
        for (; sent < due; sent++)
          posts.push(postJson(`${service.url}/orders/async`, sampleOrder(1000 + (sent % 1000))));
        const workers = service.processor.stats().target;
        const near = Math.abs(workers - target) <= target * 0.1;
        if (near) reachedAt ??= simNow();
        if (simNow() > saleMs / 2) {
          late.samples++;
          if (near) late.near++;
        }
        peak = Math.max(peak, (await service.bus.depth(service.processor.queue)).visible);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const statuses = (await Promise.all(posts)) as Array<{ status: number }>;
      assert.ok(statuses.every((r) => r.status === 202));
      const stats = (
        await getJson<{ autoscaler: { enabled: boolean; changes: Array<{ arrival_rate: number; reason: string }> } }>(
          `${service.url}/stats`,
        )
      ).body;
      assert.equal(stats.autoscaler.enabled, true);
      assert.ok(stats.autoscaler.changes.length > 0, 'decisions are shown with their inputs');
      assert.equal(typeof stats.autoscaler.changes[0]?.arrival_rate, 'number');
      t.diagnostic(`changes: ${stats.autoscaler.changes.map((c) => c.reason).join('; ')}`);
      const share = late.near / late.samples;
      t.diagnostic(
        `within ${target} ± 10 % after ${reachedAt?.toFixed(0)} simulated ms, and ${(share * 100).toFixed(1)} % of the second half; queue peaked at ${peak}`,
      );
      assert.ok(
        reachedAt !== undefined && reachedAt < saleMs / 2,
        'reached D × L ± 10 % in the first half of the sale',
      );
      // Settled: a burst may briefly call for a few more workers to drain it, but the count comes back.
      assert.ok(share >= 0.9, `within 10 % for ${(share * 100).toFixed(1)} % of the second half`);
      // A fixed single worker would have let ~900 orders pile up by now.
      assert.ok(peak <= demand * 20, `queue stayed bounded (peak ${peak})`);

      await waitFor(async () => (await service.store.countByStatus()).completed === sent, {
        timeoutMs: 20_000,
        message: 'the backlog drains',
      });
      const down = performance.now();
      await waitFor(() => service.processor.stats().target === 1, {
        timeoutMs: 20_000,
        message: 'back to the minimum',
      });
      t.diagnostic(`back to 1 worker ${((performance.now() - down) / scale).toFixed(0)} simulated ms after the sale`);
    } finally {
      await service.stop();
    }
  });
});
