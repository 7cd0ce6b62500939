import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

interface Mail {
  from: string;
  to: string[];
  data: string;
}

const inbox: Mail[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    let data = '';
    stream.on('data', (chunk: Buffer) => {
      data += chunk.toString();
    });
    stream.on('end', () => {
      inbox.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        data,
      });
      callback();
    });
  },
});

let service: TestService;
before(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const { port } = smtp.server.address() as AddressInfo;
  service = await startTestService({
    timeScale: 0.01,
    workers: 2,
    payment: { latencyMs: 3000, slots: 0 },
    notify: { smtpUrl: `smtp://127.0.0.1:${port}` },
  });
});
after(async () => {
  await service.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

test('a completed order produces one email, with its id, on the SMTP server', async () => {
  const r = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(1500));
  assert.equal(r.status, 202);
  const id = r.body.order_id;
  await waitFor(() => inbox.some((m) => m.data.includes(id)), { timeoutMs: 10_000, message: 'email received' });
  const mails = inbox.filter((m) => m.data.includes(id));
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
