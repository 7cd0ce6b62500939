import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Order } from '../../src/core/order.js';
import type { QueuePlace } from '../../src/core/queue-position.js';
import { Contract, type Exchange, recordExchanges } from '../support/contract.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

/** An order as the API shows it. */
type Shown = Order & Partial<QueuePlace>;

/** POST /orders/{id}/cancel as curl sends it: no body. */
async function cancel(service: TestService, id: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/orders/${id}/cancel`, { method: 'POST' });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function accepted(service: TestService, body: unknown = sampleOrder(1500)): Promise<Shown> {
  const answer = await postJson<Shown>(`${service.url}/orders/async`, body);
  assert.equal(answer.status, 202);
  return answer.body;
}

describe('POST /orders/{id}/cancel', () => {
  let service: TestService;
  let exchanges: Exchange[];

  before(async () => {
    const recorder = recordExchanges();
    exchanges = recorder.exchanges;
    // No workers: orders stay pending until cancelled.
    service = await startTestService({ workers: 0 }, { plugins: [recorder.plugin], dashboard: false });
  });
  after(() => service?.stop());

  test('a pending order ends failed `cancelled`, the customer is notified, and a repeat is refused', async () => {
    const order = await accepted(service);
    const answer = await cancel(service, order.order_id);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.order_id, order.order_id);
    assert.equal(answer.body.status, 'failed');
    assert.equal(answer.body.failure_code, 'cancelled');
    assert.equal(answer.body.queue_position, undefined, 'a cancelled order is in no queue');

    const stored = await getJson<Shown>(`${service.url}/orders/${order.order_id}`);
    assert.equal(stored.body.status, 'failed');
    assert.equal(stored.body.failure_code, 'cancelled');

    const notes = await getJson<{ notifications: Array<{ subject: string; body: string }> }>(
      `${service.url}/orders/${order.order_id}/notifications`,
    );
    assert.equal(notes.body.notifications.length, 1);
    assert.match(notes.body.notifications[0]?.body ?? '', /you cancelled the order/);

    const again = await cancel(service, order.order_id);
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'not_cancellable');
    assert.equal(again.body.status, 'failed');
    assert.equal(again.body.failure_code, 'cancelled');
    assert.match(String(again.body.message), /failed/);
    const after = await getJson<{ notifications: unknown[] }>(`${service.url}/orders/${order.order_id}/notifications`);
    assert.equal(after.body.notifications.length, 1, 'a refused cancel notifies nobody');
  });

  test('an unknown order is 404, a malformed id 400, as GET /orders/{id}', async () => {
    const unknown = await cancel(service, 'no-such-order');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'not_found');
    const tooLong = 'x'.repeat(65);
    const [bad, badGet] = await Promise.all([cancel(service, tooLong), getJson(`${service.url}/orders/${tooLong}`)]);
    assert.equal(bad.status, 400);
    assert.equal(badGet.status, 400);
    assert.equal(bad.body.error, badGet.body.error);
  });

  test('a sync order (paid inline) is past pending: 409 naming its status', async () => {
    const paid = await postJson<Shown>(`${service.url}/orders/sync`, sampleOrder(1501));
    assert.equal(paid.status, 200);
    const answer = await cancel(service, paid.body.order_id);
    assert.equal(answer.status, 409);
    assert.equal(answer.body.status, 'completed');
  });

  test('every answer above (200, 409, 404, 400; 202 and GET with queue_position) matches the OpenAPI document', async () => {
    assert.ok(exchanges.some((e) => e.route === '/orders/:id/cancel' && e.status === 409));
    assert.ok(exchanges.some((e) => e.status === 202 && e.body.includes('"queue_position"')));
    (await Contract.load(service.url)).assertAll(exchanges);
  });
});

describe('cancel once a worker has claimed the order', () => {
  test('processing → 409 and the payment goes on to completed; completed → 409', async () => {
    // 1 worker, payments of 2 s real: the order is processing long enough to be refused.
    const service = await startTestService({ workers: 1, payment: { latencyMs: 2000 } }, { dashboard: false });
    try {
      const order = await accepted(service);
      await waitFor(async () => (await service.store.get(order.order_id))?.status === 'processing', {
        message: 'a worker claims the order',
      });
      const refused = await cancel(service, order.order_id);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error, 'not_cancellable');
      assert.equal(refused.body.status, 'processing');
      const done = await waitFor(
        async () => {
          const o = await service.store.get(order.order_id);
          return o?.status === 'completed' ? o : undefined;
        },
        { message: 'the payment completes' },
      );
      assert.equal(done.failure_code, undefined);
      const late = await cancel(service, order.order_id);
      assert.equal(late.status, 409);
      assert.equal(late.body.status, 'completed');
      assert.equal(await service.ledger.count(), 1, 'charged once');
    } finally {
      await service.stop();
    }
  });
});

describe('cancel returns the units', () => {
  test('a cancelled order’s units are available again, exactly once', async () => {
    const service = await startTestService({ workers: 0 }, { dashboard: false });
    try {
      await service.catalog?.put({
        sku: 'FLASH-001',
        name: 'Flash 1',
        priceCents: 2999,
        stock: 10,
        perCustomerLimit: null,
        startsAt: null,
        endsAt: null,
      });
      const order = await accepted(service, {
        customer_id: 1600,
        items: [{ product_id: 'FLASH-001', quantity: 2, price: 29.99 }],
      });
      const held = await service.catalog?.get('FLASH-001');
      assert.deepEqual(held?.stock, { initial: 10, available: 8, reserved: 2, sold: 0 });
      assert.equal((await cancel(service, order.order_id)).status, 200);
      assert.equal((await cancel(service, order.order_id)).status, 409);
      const back = await service.catalog?.get('FLASH-001');
      assert.deepEqual(back?.stock, { initial: 10, available: 10, reserved: 0, sold: 0 });
      assert.equal((await service.catalog?.audit())?.clean, true, 'the counts agree with the orders');
    } finally {
      await service.stop();
    }
  });
});
