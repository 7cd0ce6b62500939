import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const SCALE = 0.1;
const LATENCY = 3000; // simulated ms; 300 ms real at this scale (a busy machine's 20–100 ms lags stay well inside the tolerances)
const L = LATENCY * SCALE;

describe('synchronous checkout is exactly as narrow as the study’s (1 slot, latency L)', () => {
  let service: TestService;
  before(async () => {
    // Admission control off: this measures the bare narrowness, 4 payments deep (test/resilience covers admission).
    service = await startTestService({
      timeScale: SCALE,
      workers: 0,
      payment: { latencyMs: LATENCY, slots: 1 },
      admission: { enabled: false },
    });
    // Warm-up: the first request compiles schemas and opens files; the test is about queueing, not cold start.
    assert.equal((await postJson(`${service.url}/orders/sync`, sampleOrder(999))).status, 200);
  });
  after(async () => service.stop());

  test('k concurrent orders complete at ≈ L, 2L, 3L, 4L', async () => {
    const k = 4;
    const chargedBefore = await service.ledger.count();
    const responses = await Promise.all(
      Array.from({ length: k }, (_, i) => postJson(`${service.url}/orders/sync`, sampleOrder(1000 + i))),
    );
    for (const r of responses) {
      assert.equal(r.status, 200);
      assert.equal(r.body.status, 'completed');
      assert.equal(typeof r.body.processing_time_ms, 'number');
    }
    const times = responses.map((r) => r.ms).sort((a, b) => a - b);
    times.forEach((ms, i) => {
      const expected = (i + 1) * L;
      assert.ok(ms >= expected * 0.95, `request ${i + 1} took ${ms.toFixed(0)} ms, expected ≥ ${expected} ms`);
      assert.ok(ms <= expected + L * 0.6, `request ${i + 1} took ${ms.toFixed(0)} ms, expected ≈ ${expected} ms`);
    });
    assert.equal(await service.ledger.count(), chargedBefore + k);
  });

  test('a client that leaves while waiting for the slot is not charged; the slot goes to the next live request', async () => {
    const chargedBefore = await service.ledger.count();
    const first = postJson(`${service.url}/orders/sync`, sampleOrder(2001));
    await waitFor(() => service.gateway.stats().inFlight === 1, { message: 'first payment started' });
    const leaving = new AbortController();
    const second = postJson(`${service.url}/orders/sync`, sampleOrder(2002), { signal: leaving.signal }).catch(
      (error: Error) => error,
    );
    await waitFor(() => service.gateway.stats().waiting === 1, { message: 'second request waits' });
    const thirdStarted = performance.now();
    const third = postJson(`${service.url}/orders/sync`, sampleOrder(2003));
    await waitFor(() => service.gateway.stats().waiting === 2, { message: 'third request waits' });
    leaving.abort();
    assert.ok((await second) instanceof Error);
    await waitFor(() => service.gateway.stats().waiting === 1, { message: 'the leaving client left the line' });

    const [a, c] = await Promise.all([first, third]);
    assert.equal(a.status, 200);
    assert.equal(c.status, 200);
    const thirdMs = performance.now() - thirdStarted;
    assert.ok(thirdMs < 3 * L, `third request took ${thirdMs.toFixed(0)} ms; it should not wait 3L`);
    // The provider paid the third order one latency after the first: the slot did
    // not idle for the departed second one.
    const paidAt = async (id: string) => {
      const result = (await service.ledger.find(id))?.result;
      return result?.status === 'approved' ? result.chargedAt : 0;
    };
    const paidA = await paidAt(a.body.order_id as string);
    const paidC = await paidAt(c.body.order_id as string);
    const gap = paidC - paidA;
    assert.ok(gap >= L * 0.9 && gap < L * 1.5, `third paid ${gap} ms after the first; expected ≈ ${L} ms`);

    assert.equal(await service.ledger.count(), chargedBefore + 2);
    const abandoned = service.database.db
      .prepare('SELECT order_id, status, failure_reason FROM orders WHERE customer_id = 2002')
      .get() as { order_id: string; status: string; failure_reason: string };
    assert.equal(abandoned.status, 'failed');
    assert.match(abandoned.failure_reason, /disconnected/);
    assert.equal(await service.ledger.find(abandoned.order_id), undefined);
  });

  test('a declined payment answers 402 with the order marked failed', async () => {
    service.gateway.configure({ declineRate: 1 });
    try {
      const r = await postJson<{ error: string; order: { status: string; order_id: string } }>(
        `${service.url}/orders/sync`,
        sampleOrder(3001),
      );
      assert.equal(r.status, 402);
      assert.equal(r.body.error, 'payment_declined');
      assert.equal(r.body.order.status, 'failed');
      const stored = await service.store.get(r.body.order.order_id);
      assert.equal(stored?.status, 'failed');
    } finally {
      service.gateway.configure({ declineRate: 0 });
    }
  });
});
