import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ScaledClock } from '../../src/core/clock.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { BreakerGateway, CircuitOpenError } from '../../src/resilience/breaker-gateway.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, tempDir, waitFor } from '../support/service.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A breaker around a real simulated gateway on a SQLite ledger in a temp dir. */
async function breakerOn(
  gateway: { latencyMs: number; slots: number },
  breaker: { threshold: number; timeoutMs: number },
  timeScale = 0.01,
) {
  const { dir, cleanup } = tempDir();
  const clock = new ScaledClock(timeScale);
  const database = new SqliteDatabase({ path: join(dir, 'ledger.db') });
  const inner = new SimulatedGateway({ clock, ledger: new SqlitePaymentLedger({ database }) }, gateway);
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
  test('slow payments open it, yet their answers still count; a fast probe closes it', async () => {
    const { inner, breaker, close } = await breakerOn(
      { latencyMs: 3000, slots: 0 },
      { threshold: 2, timeoutMs: 1000 },
      0.05,
    );
    try {
      for (const id of ['a', 'b']) {
        const result = await breaker.charge({ orderId: id, amount: 10 });
        assert.equal(result.status, 'approved', 'a slow payment is still the customer’s payment');
      }
      assert.equal(breaker.state, 'open');
      assert.equal(breaker.snapshot().timeouts, 2);
      await assert.rejects(breaker.charge({ orderId: 'c', amount: 10 }), CircuitOpenError);
      assert.equal(inner.stats().executed, 2, 'the refused payment never reached the provider');
      inner.configure({ latencyMs: 100 });
      await waitFor(() => !breaker.refusing(), { message: 'probe due' });
      assert.equal((await breaker.charge({ orderId: 'c', amount: 10 })).status, 'approved');
      assert.equal(breaker.state, 'closed');
    } finally {
      await close();
    }
  });

  test('waiting in the provider’s line is not slowness', async () => {
    // The budget leaves 900 simulated (90 real) ms for timer and commit overhead.
    const { breaker, close } = await breakerOn({ latencyMs: 600, slots: 1 }, { threshold: 2, timeoutMs: 1500 }, 0.1);
    try {
      // The third and fourth take 1800 and 2400 ms, beyond the 1500 ms timeout, but that is the line, not the provider.
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((id) => breaker.charge({ orderId: id, amount: 1 })));
      assert.deepEqual(
        results.map((r) => r.status),
        ['approved', 'approved', 'approved', 'approved'],
      );
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
