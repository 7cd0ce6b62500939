import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

// 1.2 s payments: settling a round of 100 orders costs a few durable commits
// (tens of ms on a busy machine), which must stay a small share of a payment.
const SCALE = 0.4;
const LATENCY = 3000; // simulated ms

async function acceptOrders(service: TestService, count: number, customerBase: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, (_, i) =>
        postJson<{ order_id: string; status: string }>(
          `${service.url}/orders/async`,
          sampleOrder(customerBase + start + i, i),
        ),
      ),
    );
    for (const r of batch) {
      assert.equal(r.status, 202);
      assert.equal(r.body.status, 'pending');
      assert.equal(r.headers.get('location'), `/orders/${r.body.order_id}`);
      ids.push(r.body.order_id);
    }
  }
  return ids;
}

describe('async checkout: every order accepted and paid at N workers ÷ latency', () => {
  let service: TestService;
  before(async () => {
    // workers 0: orders queue up first, then the pool is switched on and timed.
    service = await startTestService({ timeScale: SCALE, workers: 0, payment: { latencyMs: LATENCY, slots: 0 } });
  });
  after(async () => service.stop());

  for (const workers of [1, 5, 20, 100]) {
    test(`${workers} worker(s) process ${workers}/3 orders per second (±10 %)`, async () => {
      const count = workers * 3;
      const completedBefore = service.processor.stats().completed;
      const ids = await acceptOrders(service, count, workers * 10_000);
      assert.equal(service.processor.stats().completed, completedBefore, 'nothing is paid while the pool is off');
      const started = performance.now();
      service.processor.setWorkers(workers);
      // The processor's own counter, not a COUNT(*) per poll: polling the table every
      // few ms would steal the CPU whose speed is being measured.
      await waitFor(() => service.processor.stats().completed - completedBefore === count, {
        timeoutMs: 20_000,
        intervalMs: 2,
        message: `${count} orders completed`,
      });
      const elapsedSimulatedS = service.clock.unscale(performance.now() - started) / 1000;
      service.processor.setWorkers(0);
      const rate = count / elapsedSimulatedS;
      const theory = workers / (LATENCY / 1000);
      console.log(
        `# ${workers} workers: ${rate.toFixed(3)} orders/s (theory ${theory.toFixed(3)}, ratio ${(rate / theory).toFixed(3)})`,
      );
      assert.ok(Math.abs(rate / theory - 1) <= 0.1, `rate ${rate.toFixed(3)}/s vs theory ${theory.toFixed(3)}/s`);
      for (const id of ids.slice(0, 5)) {
        const order = await service.store.get(id);
        assert.equal(order?.status, 'completed');
        assert.ok(order?.processed_at);
      }
      assert.equal(await service.ledger.duplicates(), 0);
    });
  }
});

describe('a payment longer than the visibility timeout is never charged twice', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({
      timeScale: SCALE,
      workers: 20,
      payment: { latencyMs: LATENCY, slots: 0 },
      // 1 s of visibility against 3 s payments: only the keep-alive prevents redelivery.
      queue: { visibilityTimeoutMs: 1000 },
    });
  });
  after(async () => service.stop());

  test('60 orders, 20 workers, L = 3 × visibility: 60 charges, no duplicate', async () => {
    const ids = await acceptOrders(service, 60, 500_000);
    await waitFor(async () => (await service.store.countByStatus()).completed === 60, {
      timeoutMs: 20_000,
      message: 'all 60 completed',
    });
    assert.equal(await service.ledger.count(), 60);
    assert.equal(await service.ledger.duplicates(), 0);
    assert.equal(service.gateway.stats().executed, 60);
    assert.equal(service.processor.stats().retried, 0);
    // A message is acknowledged just after its order is settled (the worker does not wait for it).
    await waitFor(async () => (await service.bus.depth('order-processing-queue')).inFlight === 0, {
      message: 'every message acknowledged',
    });
    const depth = await service.bus.depth('order-processing-queue');
    assert.deepEqual(depth, { visible: 0, inFlight: 0, deadLetters: 0 });
    for (const id of ids) assert.equal((await service.store.get(id))?.status, 'completed');
  });
});
