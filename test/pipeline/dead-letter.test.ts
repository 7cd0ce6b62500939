import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

let service: TestService;
before(async () => {
  service = await startTestService({
    timeScale: 0.01,
    workers: 2,
    payment: { latencyMs: 3000, slots: 0, errorRate: 1 },
    queue: { maxReceiveCount: 3, retryDelayMs: 500 },
  });
});
after(async () => service.stop());

test('a message whose payment keeps failing ends in the dead-letter queue after max receives; its order is failed with the reason', async () => {
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(4242));
  assert.equal(r.status, 202);
  const depth = await waitFor(
    async () => {
      const d = await service.bus.depth('order-processing-queue');
      return d.deadLetters === 1 ? d : undefined;
    },
    { timeoutMs: 10_000, message: 'message dead-lettered' },
  );
  assert.equal(depth.visible, 0);
  assert.equal(depth.inFlight, 0);

  const order = await service.store.get(r.body.order_id);
  assert.equal(order?.status, 'failed');
  assert.match(order?.failure_reason ?? '', /payment failed after 3 attempts/);

  const [letter] = await service.bus.listDeadLetters('order-processing-queue');
  assert.equal(letter?.receiveCount, 3);
  assert.match(letter?.reason ?? '', /payment failed after 3 attempts/);
  assert.equal(JSON.parse(letter?.body ?? '{}').order_id, r.body.order_id);

  assert.equal(service.processor.stats().retried, 2);
  assert.equal(service.gateway.stats().errors, 3);
  assert.equal(await service.ledger.count(), 0, 'a failed payment is never charged');

  const notes = await service.store.notifications({ orderId: r.body.order_id });
  assert.equal(notes.length, 1);
  assert.match(notes[0]?.subject ?? '', /could not be completed/);
});
