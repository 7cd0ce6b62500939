import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const SCALE = 0.1;
let service: TestService;
before(async () => {
  // 20 workers = two receives long-polling at once, each for 2 s (real) here.
  service = await startTestService({
    timeScale: SCALE,
    workers: 20,
    payment: { latencyMs: 3000, slots: 0 },
    queue: { waitTimeMs: 20_000 },
  });
  // Let both receives settle into their long poll on the empty queue.
  await waitFor(async () => (await fetch(`${service.url}/health`)).ok);
});
after(async () => service.stop());

test('a message is worked on as soon as its receive returns, not when every parallel long poll has ended', async () => {
  const started = performance.now();
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(4321));
  assert.equal(r.status, 202);
  await waitFor(async () => (await service.store.get(r.body.order_id))?.status === 'completed', {
    timeoutMs: 10_000,
    message: 'order completed',
  });
  const elapsed = performance.now() - started;
  const payment = 3000 * SCALE;
  const longPoll = 20_000 * SCALE;
  assert.ok(
    elapsed < payment + (longPoll - payment) / 2,
    `paid after ${elapsed.toFixed(0)} ms: a ${payment} ms payment should not wait for a ${longPoll} ms long poll`,
  );
  assert.equal(await service.ledger.count(), 1);
});
