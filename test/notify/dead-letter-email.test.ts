import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';
import { type SmtpInbox, startSmtpInbox } from '../support/smtp-inbox.js';

let inbox: SmtpInbox;
let service: TestService;
before(async () => {
  inbox = await startSmtpInbox();
  service = await startTestService({
    timeScale: 0.01,
    workers: 2,
    payment: { latencyMs: 3000, slots: 0, errorRate: 1 },
    queue: { maxReceiveCount: 2, retryDelayMs: 500 },
    notify: { smtpUrl: inbox.url },
  });
});
after(async () => {
  await service.stop();
  await inbox.close();
});

test('a dead-lettered order’s email reaches the customer, saying why', async () => {
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(4343));
  assert.equal(r.status, 202);
  const id = r.body.order_id;
  await waitFor(() => inbox.mails.some((m) => m.data.includes(id)), { timeoutMs: 10_000, message: 'email received' });
  const mails = inbox.mails.filter((m) => m.data.includes(id));
  assert.equal(mails.length, 1);
  assert.deepEqual(mails[0]?.to, ['customer-4343@customers.flashsale.test']);
  assert.match(mails[0]?.text ?? '', /Subject: Your order \S+ could not be completed/);
  assert.match(mails[0]?.text ?? '', /the payment provider kept failing, so we stopped trying/);
  assert.match(mails[0]?.text ?? '', /payment failed after 2 attempts/);

  const order = await service.store.get(id);
  assert.equal(order?.status, 'failed');
  assert.equal(order?.failure_code, 'dead_lettered');
  assert.equal((await service.bus.depth('order-processing-queue')).deadLetters, 1);
  await waitFor(async () => (await service.store.notifications({ orderId: id }))[0]?.delivery === 'sent', {
    message: 'notification marked sent',
  });
  assert.equal(await service.ledger.count(), 0, 'nothing was charged');
});
