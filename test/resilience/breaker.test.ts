import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { Clock } from '../../src/core/clock.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { BreakerGateway, CircuitOpenError } from '../../src/resilience/breaker-gateway.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, tempDir, waitFor } from '../support/service.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * A manual clock that cockatiel follows too: cockatiel reads Date.now() and
 * takes no clock, so Date is mocked (and only Date) and moved with the clock.
 */
function manualTime(t: TestContext): ManualClock {
  const clock = new ManualClock();
  t.mock.timers.enable({ apis: ['Date'], now: clock.now() });
  clock.onTime((now) => t.mock.timers.setTime(now));
  return clock;
}

/** A breaker around a real simulated gateway on a SQLite ledger in a temp dir. */
async function breakerOn(
  clock: Clock,
  gateway: { latencyMs: number; slots: number },
  breaker: { threshold: number; timeoutMs: number },
) {
  const { dir, cleanup } = tempDir();
  const database = new SqliteDatabase({ path: join(dir, 'ledger.db') });
  const inner = new SimulatedGateway(
    { clock, ledger: new SqlitePaymentLedger({ database }) },
    { ...DEFAULT_CONFIG.payment, ...gateway },
  );
  const wrapped = new BreakerGateway(
    { gateway: inner, clock, logger: silent },
    { ...breaker, halfOpenAfterMs: 10_000 },
  );
  await wrapped.init();
  return {
    inner,
    breaker: wrapped,
    close: async () => {
      await wrapped.close();
      await database.close();
      cleanup();
    },
  };
}

describe('circuit breaker around the payment gateway', () => {
  test('slow payments open it, yet their answers still count; a fast probe closes it', async (t) => {
    const clock = manualTime(t);
    const { inner, breaker, close } = await breakerOn(
      clock,
      { latencyMs: 3000, slots: 0 },
      { threshold: 2, timeoutMs: 1000 },
    );
    try {
      for (const [i, id] of ['a', 'b'].entries()) {
        const charge = breaker.charge({ orderId: id, amount: 10 });
        await clock.untilSleepingFor(3000);
        await clock.advance(999);
        assert.equal(breaker.snapshot().timeouts, i, 'within its time budget');
        await clock.advance(1);
        assert.equal(breaker.snapshot().timeouts, i + 1, 'past it by a millisecond');
        await clock.advance(2000);
        assert.equal((await charge).status, 'approved', 'a slow payment is still the customer’s payment');
      }
      assert.equal(breaker.state, 'open');
      // Opened at 4000 ms (b's budget ran out), probe due 10 000 ms later.
      assert.equal(breaker.retryAfterMs(), 8000);
      await assert.rejects(breaker.charge({ orderId: 'c', amount: 10 }), CircuitOpenError);
      assert.equal(inner.stats().executed, 2, 'the refused payment never reached the provider');
      inner.configure({ latencyMs: 100 });
      await clock.advance(7999);
      assert.equal(breaker.refusing(), true);
      await assert.rejects(breaker.charge({ orderId: 'c', amount: 10 }), CircuitOpenError, 'cockatiel agrees');
      await clock.advance(1);
      assert.equal(breaker.refusing(), false, 'probe due');
      const probe = breaker.charge({ orderId: 'c', amount: 10 });
      await clock.untilSleepingFor(100);
      await clock.advance(100);
      assert.equal((await probe).status, 'approved');
      assert.equal(breaker.state, 'closed');
    } finally {
      await close();
    }
  });

  test('waiting in the provider’s line is not slowness', async (t) => {
    const clock = manualTime(t);
    const { breaker, close } = await breakerOn(clock, { latencyMs: 600, slots: 1 }, { threshold: 2, timeoutMs: 1500 });
    try {
      // The third and fourth end at 1800 and 2400 ms, beyond the 1500 ms timeout, but that is the line, not the provider.
      const charges = ['a', 'b', 'c', 'd'].map((id) => breaker.charge({ orderId: id, amount: 1 }));
      for (let i = 0; i < 4; i++) {
        await clock.untilSleepingFor(600);
        await clock.advance(600);
      }
      const results = await Promise.all(charges);
      assert.deepEqual(
        results.map((r) => r.status),
        ['approved', 'approved', 'approved', 'approved'],
      );
      assert.equal(clock.monotonic(), 2400);
      assert.equal(breaker.snapshot().timeouts, 0);
      assert.equal(breaker.state, 'closed');
    } finally {
      await close();
    }
  });

  test('an outage opens it within its threshold; queued orders wait instead of dying, and complete after recovery', async (t) => {
    const threshold = 5;
    const service = await startTestService(
      { timeScale: 0.02, workers: 5, payment: { slots: 5 }, breaker: { threshold, halfOpenAfterMs: 20_000 } },
      { dashboard: false },
    );
    try {
      const breaker = service.resilience.breaker;
      assert.ok(breaker, 'the breaker is on by default');
      let failuresAtOpen: number | undefined;
      breaker.onStateChange((state) => {
        if (state === 'open') failuresAtOpen ??= breaker.snapshot().failures;
      });
      service.gateway.configure({ errorRate: 1 });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(1000 + i, i));
        assert.equal(r.status, 202);
        ids.push(r.body.order_id);
      }
      await waitFor(() => breaker.state === 'open', { message: 'breaker opens' });
      assert.equal(failuresAtOpen, threshold, 'opened by exactly `threshold` consecutive failures');

      // While open: the sync path fails fast and stores nothing; the processor takes no messages.
      const ordersBefore = (await service.store.counts()).orders;
      const sync = await postJson<Record<string, unknown>>(`${service.url}/orders/sync`, sampleOrder());
      assert.equal(sync.status, 503);
      assert.equal(sync.body.error, 'payment_unavailable');
      assert.ok(sync.headers.get('retry-after'));
      assert.ok(sync.ms < 50, `refused in ${sync.ms.toFixed(1)} ms`);
      assert.equal((await service.store.counts()).orders, ordersBefore);
      const stats = (
        await getJson<{ workers: { paused: boolean }; breaker: { state: string } }>(`${service.url}/stats`)
      ).body;
      assert.equal(stats.breaker.state, 'open');
      assert.equal(stats.workers.paused, true);

      // Several failed probes later, nothing has been dead-lettered.
      await waitFor(() => breaker.snapshot().opened >= 4, { timeoutMs: 15_000, message: 'three failed probes' });
      assert.equal((await service.bus.depth(service.processor.queue)).deadLetters, 0);
      const errorsDuringOutage = service.gateway.stats().errors;
      t.diagnostic(`provider errors during the outage: ${errorsDuringOutage} for 30 orders`);
      assert.ok(errorsDuringOutage < threshold + 10, 'probes, not retries, reached the failing provider');

      service.gateway.configure({ errorRate: 0 });
      await waitFor(
        async () => {
          const counts = await service.store.countByStatus();
          return counts.completed === 30 ? counts : undefined;
        },
        { timeoutMs: 20_000, message: 'every queued order completes after recovery' },
      );
      assert.equal(breaker.state, 'closed');
      // Messages are acknowledged just after their order completes.
      const depth = await waitFor(async () => {
        const d = await service.bus.depth(service.processor.queue);
        return d.visible + d.inFlight === 0 ? d : undefined;
      });
      assert.equal(depth.deadLetters, 0);
      assert.equal((await service.store.countByStatus()).failed, 0);
      assert.equal(await service.ledger.count(), 30, 'each order charged once');
      assert.equal(service.processor.stats().target, 5, 'the worker count is back');
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      assert.match(metrics, /^flashsale_breaker_state\{state="closed"\} 1$/m);
      assert.match(metrics, /^flashsale_breaker_state\{state="open"\} 0$/m);
      assert.match(metrics, /^flashsale_breaker_events_total\{event="opened"\} [4-9]\d*$/m);
    } finally {
      await service.stop();
    }
  });
});
