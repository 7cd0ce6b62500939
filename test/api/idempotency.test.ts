import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Contract, recordExchanges } from '../support/contract.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

describe('Idempotency-Key: a repeat returns the original order and never charges twice', () => {
  let service: TestService;
  // Every answer these tests get is checked against the OpenAPI document at the end.
  const recorder = recordExchanges();
  before(async () => {
    service = await startTestService(
      { timeScale: 0.01, workers: 5, payment: { latencyMs: 3000, slots: 1 } },
      { plugins: [recorder.plugin] },
    );
  });
  after(async () => service.stop());

  for (const route of ['sync', 'async'] as const) {
    test(`50 concurrent repeats of one key on /orders/${route} → one order, one charge`, async () => {
      const key = `key-${route}-${Date.now()}`;
      const before = await service.store.counts();
      const responses = await Promise.all(
        Array.from({ length: 50 }, () =>
          postJson<{ order_id: string; status: string }>(`${service.url}/orders/${route}`, sampleOrder(777), {
            headers: { 'idempotency-key': key },
          }),
        ),
      );
      const expected = route === 'sync' ? 200 : 202;
      for (const r of responses) assert.equal(r.status, expected, JSON.stringify(r.body));
      const ids = new Set(responses.map((r) => r.body.order_id));
      assert.equal(ids.size, 1, 'every repeat names the same order');
      assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 49);
      const [orderId] = [...ids] as [string];
      assert.equal((await service.store.counts()).orders, before.orders + 1);
      await waitFor(async () => (await service.store.get(orderId))?.status === 'completed', {
        message: 'order completed',
      });
      const charges = service.database.db
        .prepare('SELECT COUNT(*) AS n FROM payment_ledger WHERE order_id = ?')
        .get(orderId) as { n: number };
      assert.equal(charges.n, 1);
    });
  }

  test('the same key with a different body is refused with 422 and stores nothing', async () => {
    const key = `key-conflict-${Date.now()}`;
    const first = await postJson(`${service.url}/orders/async`, sampleOrder(1), {
      headers: { 'idempotency-key': key },
    });
    assert.equal(first.status, 202);
    const before = await service.store.counts();
    const second = await postJson<{ error: string }>(`${service.url}/orders/async`, sampleOrder(2), {
      headers: { 'idempotency-key': key },
    });
    assert.equal(second.status, 422);
    assert.equal(second.body.error, 'idempotency_conflict');
    const onSync = await postJson<{ error: string }>(`${service.url}/orders/sync`, sampleOrder(1), {
      headers: { 'idempotency-key': key },
    });
    assert.equal(onSync.status, 422, 'one key cannot name an async and a sync order');
    assert.deepEqual((await service.store.counts()).orders, before.orders);
  });

  test('every answer above matches the OpenAPI document (status, body, headers)', async () => {
    assert.ok(recorder.exchanges.length >= 5, `answers recorded: ${recorder.exchanges.length}`);
    (await Contract.load(service.url)).assertAll(recorder.exchanges);
  });
});
