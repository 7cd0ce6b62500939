import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FlashsaleError } from '../../src/core/errors.js';
import type { Order } from '../../src/core/order.js';
import { createHandler, handler } from '../../src/serverless/handler.js';
import { type SnsEvent, snsEvent } from '../../src/serverless/sns-event.js';
import { startFunction } from '../../src/service/node.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService } from '../support/service.js';

/** The service takes orders (no workers); the tests hand their messages to the handler as SNS would. */
describe('serverless handler against the embedded store', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ timeScale: 0.001, workers: 0, breaker: { enabled: false } });
  });
  after(() => service.stop());

  const runtime = () => ({
    store: service.store,
    gateway: service.gateway,
    notifier: service.notifier,
    clock: service.clock,
    logger: service.app.log,
  });

  /** Accepts an order over HTTP and returns it with the SNS event its message becomes. */
  async function acceptOrder(customer: number): Promise<{ orderId: string; event: SnsEvent }> {
    const accepted = await postJson<Order>(`${service.url}/orders/async`, sampleOrder(customer));
    assert.equal(accepted.status, 202);
    const [message] = await service.bus.receive(service.config.queue.name, { maxMessages: 1, waitMs: 1000 });
    assert.ok(message, 'the order was published to the topic');
    await service.bus.ack(service.config.queue.name, message.receipt);
    return { orderId: accepted.body.order_id, event: snsEvent(service.config.queue.topic, message) };
  }

  test('pays the order once though the same event arrives twice at once and once more later', async () => {
    const handle = createHandler(runtime());
    const { orderId, event } = await acceptOrder(1001);
    const executedBefore = service.gateway.stats().executed;

    const [first, second] = await Promise.all([handle(event), handle(event)]);
    const third = await handle(event);

    const order = await service.store.get(orderId);
    assert.equal(order?.status, 'completed');
    assert.ok(order?.processed_at);
    assert.equal(service.gateway.stats().executed - executedBefore, 1, 'one payment for three deliveries');
    const charge = await service.ledger.find(orderId);
    assert.equal(charge?.result.status, 'approved');
    assert.equal(await service.ledger.duplicates(), 0);
    assert.equal((await service.store.notifications({ orderId })).length, 1, 'the customer is told once');
    for (const result of [first, second, third]) {
      assert.deepEqual(result.records, [
        { messageId: event.Records[0]?.Sns.MessageId, action: 'done', orderId, status: 'completed' },
      ]);
    }
    const stats = handle.stats();
    assert.equal(stats.invocations, 3);
    assert.equal(stats.completed, 1);
    assert.equal(stats.errors, 0);
  });

  test('a payment that fails fails the invocation, so the event is retried; the retry pays', async () => {
    const handle = createHandler(runtime());
    const { orderId, event } = await acceptOrder(1002);
    service.gateway.configure({ errorRate: 1 });
    try {
      await assert.rejects(handle(event), (error: unknown) => {
        assert.ok(error instanceof FlashsaleError);
        assert.equal(error.code, 'payment_unavailable');
        assert.equal(error.retryable, true);
        return true;
      });
    } finally {
      service.gateway.configure({ errorRate: 0 });
    }
    assert.equal(await service.ledger.find(orderId), undefined, 'nothing was charged');
    assert.equal((await service.store.get(orderId))?.status, 'processing', 'not failed: a retry may still pay it');
    assert.equal(handle.stats().errors, 1);

    await handle(event);
    assert.equal((await service.store.get(orderId))?.status, 'completed');
    assert.equal(handle.stats().completed, 1);
  });

  test('a message naming no known order fails the invocation', async () => {
    const handle = createHandler(runtime());
    const body = JSON.stringify({ type: 'order.accepted', order_id: 'no-such-order', customer_id: 1, total: 1 });
    const event = snsEvent('order-processing-events', { id: 'm-1', body, sentAt: Date.now() });
    await assert.rejects(
      handle(event),
      (error: unknown) => error instanceof FlashsaleError && error.code === 'not_found',
    );
    const garbled = snsEvent('order-processing-events', { id: 'm-2', body: 'not json', sentAt: Date.now() });
    await assert.rejects(handle(garbled), /unreadable message body/);
  });

  test('the exported handler configures itself from the environment once, then stays warm', async () => {
    const { orderId, event } = await acceptOrder(1003);
    const saved = { ...process.env };
    // The function's environment (infra/lib/environment.ts) names the store; here it is the service's file.
    Object.assign(process.env, {
      FLASHSALE_STORE: 'sqlite',
      FLASHSALE_BUS: 'embedded',
      FLASHSALE_DB: service.config.dbPath,
      FLASHSALE_TIME_SCALE: '0.001',
      FLASHSALE_LOG_LEVEL: 'silent',
    });
    try {
      assert.equal(handler.stats().coldStarts, 0, 'nothing is built before the first invocation');
      const first = await handler(event);
      assert.equal(first.records[0]?.status, 'completed');
      const cold = handler.stats();
      assert.equal(cold.coldStarts, 1);
      assert.ok(cold.coldStartMs > 0, 'the cold start was timed');

      // Warm: the same store and gateway again; the repeat finds the order paid and pays nothing.
      const again = await handler(event);
      assert.equal(again.records[0]?.action, 'done');
      assert.equal(handler.stats().coldStarts, 1);
      assert.equal(handler.stats().invocations, 2);
      assert.equal((await service.ledger.find(orderId))?.result.status, 'approved');
      assert.equal(await service.ledger.duplicates(), 0);
      assert.equal((await service.store.get(orderId))?.status, 'completed');
    } finally {
      await handler.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('a bad setting fails the invocation, naming the setting; the next invocation starts afresh', async () => {
    let env: NodeJS.ProcessEnv = { FLASHSALE_STORE: 'postgres', FLASHSALE_LOG_LEVEL: 'silent' };
    const handle = createHandler(() => startFunction(env));
    await assert.rejects(handle({ Records: [] }), /DATABASE_URL/);
    assert.equal(handle.stats().coldStarts, 0);

    env = { FLASHSALE_DB: service.config.dbPath, FLASHSALE_LOG_LEVEL: 'silent' };
    try {
      assert.deepEqual(await handle({ Records: [] }), { records: [] });
      assert.equal(handle.stats().coldStarts, 1);
    } finally {
      await handle.close();
    }
  });
});
