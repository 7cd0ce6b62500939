import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LedgerResult } from '../../src/core/ports.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const SCALE = 0.05;
const LATENCY = 3000; // simulated ms; 150 ms real at this scale
const L = LATENCY * SCALE;

// The other side, without the setting (the abandoned request leaves the line unpaid): test/pipeline/sync.test.ts.
describe('--hold-abandoned-payments: an abandoned sync request keeps its place, as in the study’s handler', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({
      timeScale: SCALE,
      workers: 0,
      payment: { latencyMs: LATENCY, slots: 1 },
      admission: { enabled: false },
      holdAbandonedPayments: true,
    });
    // Warm-up: the first request compiles schemas and opens files; the test is about queueing, not cold start.
    assert.equal((await postJson(`${service.url}/orders/sync`, sampleOrder(999))).status, 200);
  });
  after(async () => service.stop());

  test('the client leaves, its order is still paid in turn, and the next request waits behind it', async () => {
    const chargedBefore = await service.ledger.count();
    const first = postJson(`${service.url}/orders/sync`, sampleOrder(4001));
    await waitFor(() => service.gateway.stats().inFlight === 1, { message: 'first payment started' });
    const leaving = new AbortController();
    const second = postJson(`${service.url}/orders/sync`, sampleOrder(4002), { signal: leaving.signal }).catch(
      (error: Error) => error,
    );
    await waitFor(() => service.gateway.stats().waiting === 1, { message: 'second request waits' });
    const thirdStarted = performance.now();
    const third = postJson(`${service.url}/orders/sync`, sampleOrder(4003));
    await waitFor(() => service.gateway.stats().waiting === 2, { message: 'third request waits' });
    leaving.abort();
    assert.ok((await second) instanceof Error, 'the second client gave up');

    const [a, c] = await Promise.all([first, third]);
    assert.equal(a.status, 200);
    assert.equal(c.status, 200);
    // First paid at L, the abandoned one at 2L, the third at 3L: it waited behind a payment nobody awaited.
    const thirdMs = performance.now() - thirdStarted;
    assert.ok(
      thirdMs >= 2.5 * L,
      `third request took ${thirdMs.toFixed(0)} ms; it should wait behind the abandoned one`,
    );

    const abandonedId = (
      service.database.db.prepare('SELECT order_id FROM orders WHERE customer_id = 4002').get() as { order_id: string }
    ).order_id;
    const charge = await waitFor(() => service.ledger.find(abandonedId), { message: 'the abandoned order charged' });
    assert.equal(charge.result.status, 'approved');
    const at = (entry: { result: LedgerResult } | undefined) =>
      entry && entry.result.status !== 'voided' ? entry.result.chargedAt : Number.NaN;
    const paidA = at(await service.ledger.find(a.body.order_id as string));
    const paidC = at(await service.ledger.find(c.body.order_id as string));
    assert.ok(at(charge) > paidA && at(charge) < paidC, 'the abandoned order was paid between the first and the third');
    const gap = paidC - paidA;
    assert.ok(gap >= 2 * L * 0.9 && gap < 2 * L * 1.5, `third paid ${gap} ms after the first; expected ≈ ${2 * L} ms`);
    assert.equal(await service.ledger.count(), chargedBefore + 3);
    const stored = await waitFor(async () => {
      const order = await service.store.get(abandonedId);
      return order?.status === 'completed' ? order : undefined;
    });
    assert.equal(stored.status, 'completed', 'paid for nobody: the order completed after its client left');
  });
});
