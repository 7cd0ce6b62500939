import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Checkout } from '../../src/core/checkout.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const SCALE = 0.01;
const PAYMENT_MS = 60_000; // simulated; 600 ms real
const real = (simulatedMs: number) => simulatedMs * SCALE;

interface Order {
  order_id: string;
  status: string;
}

describe('a repeat of a sync request whose payment is still under way', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ timeScale: SCALE, workers: 0, payment: { latencyMs: PAYMENT_MS, slots: 1 } });
  });
  after(async () => service.stop());

  /** Sends the first request (patient enough for admission control) and waits until its payment runs. */
  async function firstPaying(key: string, customer: number) {
    const headers = { 'idempotency-key': key, 'x-deadline-ms': String(3 * PAYMENT_MS) };
    const first = postJson<Order>(`${service.url}/orders/sync`, sampleOrder(customer), { headers });
    await waitFor(() => service.gateway.stats().inFlight === 1, { message: 'first payment under way' });
    // Wrapped: an async function returning the promise itself would wait for it.
    return { first };
  }

  test('answers 202 with the order as it stands at its deadline, then the final answer once paid', async () => {
    const key = 'replay-at-deadline';
    const { first } = await firstPaying(key, 7001);
    for (const deadline of ['5000', undefined]) {
      const headers: Record<string, string> = { 'idempotency-key': key };
      if (deadline) headers['x-deadline-ms'] = deadline;
      const replay = await postJson<Order>(`${service.url}/orders/sync`, sampleOrder(7001), { headers });
      assert.equal(replay.status, 202, `deadline ${deadline}: ${JSON.stringify(replay.body)}`);
      assert.equal(replay.body.status, 'processing');
      assert.equal(replay.headers.get('location'), `/orders/${replay.body.order_id}`);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      // The admission deadline (10 s simulated) when the request names none.
      const waited = real(Number(deadline ?? 10_000));
      assert.ok(replay.ms >= waited * 0.9, `deadline ${deadline}: answered after ${replay.ms.toFixed(0)} ms`);
      assert.ok(replay.ms < real(PAYMENT_MS) / 2, `deadline ${deadline}: did not wait for the payment`);
    }
    const paid = await first;
    assert.equal(paid.status, 200);
    const headers = { 'idempotency-key': key };
    const after = await postJson<Order>(`${service.url}/orders/sync`, sampleOrder(7001), { headers });
    assert.equal(after.status, 200);
    assert.equal(after.body.order_id, paid.body.order_id);
    assert.equal(await service.ledger.count(), 1);
  });

  test('with the payment in another process, it reads the store until the order is final or the deadline passes', async () => {
    const key = 'replay-elsewhere';
    const { first } = await firstPaying(key, 7002);
    // A checkout of another process on the same store: no local payment to wait on.
    const { store, gateway, notifier, clock } = service;
    const elsewhere = new Checkout(
      { store, gateway, notifier, clock },
      { replayDeadlineMs: 10_000, holdAbandonedPayments: false },
    );
    const early = await elsewhere.submitSync(sampleOrder(7002), { idempotencyKey: key, deadlineMs: 5000 });
    assert.equal(early.kind, 'in_progress');
    const late = await elsewhere.submitSync(sampleOrder(7002), { idempotencyKey: key, deadlineMs: 2 * PAYMENT_MS });
    assert.equal(late.kind, 'completed');
    const paid = await first;
    assert.equal(paid.status, 200);
    assert.equal('order' in late && late.order.order_id, paid.body.order_id);
  });
});
