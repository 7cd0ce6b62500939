import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { BusMessage } from '../../src/core/ports.js';
import { processOrderMessage } from '../../src/processor/process-message.js';
import { postJson } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const services: TestService[] = [];
after(async () => {
  for (const service of services) await service.stop();
});

const TWO_MUGS = { customer_id: 5, items: [{ product_id: 'FLASH-001', quantity: 2, price: 29.99 }] };

async function start(payment: { declineRate?: number; errorRate?: number }, maxReceiveCount = 3) {
  const service = await startTestService({
    timeScale: 0.01,
    workers: 2,
    payment: { latencyMs: 300, slots: 0, ...payment },
    queue: { maxReceiveCount, retryDelayMs: 100 },
  });
  services.push(service);
  await service.catalog!.put({
    sku: 'FLASH-001',
    name: 'Flash mug',
    priceCents: 2999,
    stock: 10,
    perCustomerLimit: 2,
    startsAt: null,
    endsAt: null,
  });
  return service;
}

async function stock(service: TestService) {
  const [counts] = await service.catalog!.counts();
  return counts;
}

/** The order's queue message, delivered again (as a redelivery after a lost ack would). */
function redelivery(orderId: string, receiveCount: number): BusMessage {
  return {
    id: `again-${orderId}`,
    body: JSON.stringify({ type: 'order.accepted', order_id: orderId }),
    receipt: `again-${orderId}`,
    receiveCount,
    sentAt: Date.now(),
  };
}

async function settledAs(service: TestService, orderId: string, code: string) {
  return waitFor(
    async () => {
      const order = await service.store.get(orderId);
      return order?.status === 'failed' && order.failure_code === code ? order : undefined;
    },
    { timeoutMs: 10_000, message: `order ${code}` },
  );
}

test('a declined payment returns its units once; the message redelivered and the transition repeated return nothing more', async () => {
  const service = await start({ declineRate: 1 });
  const heard: Array<{ sku: string; available: number | null }> = [];
  service.catalog!.onStock((change) => heard.push(change));
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, TWO_MUGS);
  assert.equal(r.status, 202);
  await settledAs(service, r.body.order_id, 'declined');
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 10, reserved: 0, sold: 0 });
  // The release reaches the catalog's listeners (the sold-out fast path hears them) once it is durable.
  await waitFor(() => heard.length > 0, { message: 'the release heard' });
  assert.deepEqual(heard, [{ sku: 'FLASH-001', available: 10 }]);

  const deps = { ...service, logger: console };
  const again = await processOrderMessage(deps, redelivery(r.body.order_id, 2), { maxReceiveCount: 3 });
  assert.equal(again.action, 'done');
  assert.equal(again.finished, false);
  const repeated = await service.store.transition(r.body.order_id, ['pending', 'processing'], {
    status: 'failed',
    failure_code: 'declined',
    failure_reason: 'again',
  });
  assert.equal(repeated, undefined);
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 10, reserved: 0, sold: 0 });
  assert.equal(heard.length, 1, 'released once');
  assert.equal(service.gateway.stats().executed, 1, 'charged once');
  assert.ok((await service.catalog!.audit()).clean);
  // The customer may buy again: the limit counts units held, and these were given back.
  assert.equal((await postJson(`${service.url}/orders/async`, TWO_MUGS)).status, 202);
});

test('a dead-lettered order returns its units once, however often its message comes back', async () => {
  const service = await start({ errorRate: 1 }, 2);
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, TWO_MUGS);
  assert.equal(r.status, 202);
  assert.equal((await stock(service))?.reserved, 2);
  await settledAs(service, r.body.order_id, 'dead_lettered');
  await waitFor(async () => (await service.bus.depth('order-processing-queue')).deadLetters === 1, {
    message: 'message dead-lettered',
  });
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 10, reserved: 0, sold: 0 });

  const deps = { ...service, logger: console };
  for (const receiveCount of [2, 3]) {
    const again = await processOrderMessage(deps, redelivery(r.body.order_id, receiveCount), { maxReceiveCount: 2 });
    assert.equal(again.action, 'done');
  }
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 10, reserved: 0, sold: 0 });
  assert.ok((await service.catalog!.audit()).clean);
});

test('a completed order sells its units once; a redelivery neither charges nor sells again', async () => {
  const service = await start({});
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, TWO_MUGS);
  assert.equal(r.status, 202);
  await waitFor(async () => (await service.store.get(r.body.order_id))?.status === 'completed', {
    message: 'order completed',
  });
  const deps = { ...service, logger: console };
  await processOrderMessage(deps, redelivery(r.body.order_id, 2), { maxReceiveCount: 3 });
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 8, reserved: 0, sold: 2 });
  assert.equal(service.gateway.stats().executed, 1);
  assert.ok((await service.catalog!.audit()).clean);
});

test('the sync route reserves the same way: a paid order sells its units, a declined one returns them', async () => {
  const service = await start({});
  const paid = await postJson<{ status: string }>(`${service.url}/orders/sync`, TWO_MUGS);
  assert.equal(paid.status, 200);
  assert.equal(paid.body.status, 'completed');
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 8, reserved: 0, sold: 2 });
  service.gateway.configure({ declineRate: 1 });
  const declined = await postJson<{ error: string }>(`${service.url}/orders/sync`, { ...TWO_MUGS, customer_id: 6 });
  assert.equal(declined.status, 402);
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 10, available: 8, reserved: 0, sold: 2 });
  // The first customer bought their limit (2): a third unit is refused, and nothing is stored.
  const before = await service.store.counts();
  const third = await postJson<{ error: string }>(`${service.url}/orders/sync`, {
    customer_id: 5,
    items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }],
  });
  assert.equal(third.status, 409);
  assert.equal(third.body.error, 'limit_exceeded');
  assert.deepEqual(await service.store.counts(), before);
  assert.ok((await service.catalog!.audit()).clean);
});

test('an operator’s redrive of a failed order takes its units again, or leaves it failed when they are gone', async () => {
  const service = await start({ declineRate: 1 });
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, TWO_MUGS);
  assert.equal(r.status, 202);
  await settledAs(service, r.body.order_id, 'declined');
  service.gateway.configure({ declineRate: 0 });
  // Meanwhile the product is redefined with one unit left on sale.
  await service.catalog!.put({
    sku: 'FLASH-001',
    name: 'Mug',
    priceCents: 2999,
    stock: 1,
    perCustomerLimit: 2,
    startsAt: null,
    endsAt: null,
  });
  const redrive = () =>
    service.store.transition(r.body.order_id, ['failed'], { status: 'pending', failure_reason: 'redriven' });
  assert.equal(await redrive(), undefined, 'one unit left, the order holds two: refused');
  assert.equal((await service.store.get(r.body.order_id))?.status, 'failed');
  assert.deepEqual(await stock(service), { sku: 'FLASH-001', initial: 1, available: 1, reserved: 0, sold: 0 });
  await service.catalog!.restock('FLASH-001', 4);
  // (Its message is not redriven here: the order stays pending, holding its units.)
  const reopened = await redrive();
  assert.equal(reopened?.status, 'pending');
  const after = await stock(service);
  assert.equal(after?.initial, 5);
  assert.equal((after?.available ?? 0) + (after?.reserved ?? 0) + (after?.sold ?? 0), 5);
  assert.equal(after?.available, 3, 'the redriven order holds its two units again');
  assert.ok((await service.catalog!.audit()).clean);
});
