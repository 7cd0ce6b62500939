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
    payment: { latencyMs: 3000, slots: 0 },
    notify: { smtpUrl: inbox.url },
  });
});
after(async () => {
  await service.stop();
  await inbox.close();
});

test('a completed order produces one email, with its id, on the SMTP server', async () => {
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(1500));
  assert.equal(r.status, 202);
  const id = r.body.order_id;
  await waitFor(() => inbox.mails.some((m) => m.data.includes(id)), { timeoutMs: 10_000, message: 'email received' });
  const mails = inbox.mails.filter((m) => m.data.includes(id));
  assert.equal(mails.length, 1);
  assert.deepEqual(mails[0]?.to, ['customer-1500@customers.flashsale.test']);
  assert.match(mails[0]?.data ?? '', /confirmed/);
  await waitFor(async () => (await service.store.notifications({ orderId: id }))[0]?.delivery === 'sent', {
    message: 'notification marked sent',
  });
  const api = await fetch(`${service.url}/orders/${id}/notifications`);
  const body = (await api.json()) as { notifications: Array<{ recipient: string; delivery: string }> };
  assert.equal(body.notifications.length, 1);
  assert.equal(body.notifications[0]?.delivery, 'sent');
});
