import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type FlashsaleProcess, startFlashsale } from '../support/flashsale-process.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

const SCALE = 0.05;
// Simulated ms. The payment (10 s real) outlasts the api's restart, so the
// restarted api finds the order while the gateway is still paying it.
const PAYMENT_MS = 200_000;
const SCAN_MS = 2_000; // 100 ms real: the dead api's node is silent for 3 of them long before the restart ends
const DEADLINE_MS = 2_000;
const real = (simulatedMs: number) => simulatedMs * SCALE;

const { dir, cleanup } = tempDir();
const running: FlashsaleProcess[] = [];
after(async () => {
  await Promise.all(running.map((p) => p.stop(5000)));
  cleanup();
});

interface Order {
  order_id: string;
  status: string;
}

interface GatewayStats {
  payments: { in_flight: number; executed: number };
  ledger: { charges: number; duplicates: number };
}

async function start(name: string, args: string[], env: Record<string, string> = {}): Promise<FlashsaleProcess> {
  const common = ['--host', '127.0.0.1', '--port', '0', '--time-scale', String(SCALE)];
  const child = await startFlashsale(name, [...args, ...common], { env });
  running.push(child);
  return child;
}

test('the api dies while a separate gateway is paying its sync order: after the restart the order completes, charged once, and a retry meanwhile answers 202 at its deadline', async () => {
  const gateway = await start('gateway', [
    'gateway',
    '--db',
    join(dir, 'gateway.db'),
    '--payment-latency',
    String(PAYMENT_MS),
  ]);
  const api = () =>
    start('api', ['serve', '--db', join(dir, 'api.db'), '--gateway-url', gateway.url, '--workers', '0'], {
      FLASHSALE_SYNC_SCAN_INTERVAL_MS: String(SCAN_MS),
    });
  const first = await api();
  const body = sampleOrder(6100);
  const key = 'gateway-still-paying';
  const patient = { 'idempotency-key': key, 'x-deadline-ms': String(3 * PAYMENT_MS) };
  const paying = postJson(`${first.url}/orders/sync`, body, { headers: patient }).catch((error: Error) => error);
  await waitFor(async () => (await getJson<GatewayStats>(`${gateway.url}/stats`)).body.payments.in_flight === 1, {
    message: 'the gateway is paying',
  });
  await first.kill();
  assert.ok((await paying) instanceof Error, 'the first request got no answer');

  const second = await api();
  const headers = { 'idempotency-key': key, 'x-deadline-ms': String(DEADLINE_MS) };
  const retry = await postJson<Order>(`${second.url}/orders/sync`, body, { headers });
  assert.equal(retry.status, 202, JSON.stringify(retry.body));
  assert.equal(retry.body.status, 'processing');
  assert.equal(retry.headers.get('location'), `/orders/${retry.body.order_id}`);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.ok(retry.ms >= real(DEADLINE_MS) * 0.9, `answered after ${retry.ms.toFixed(0)} ms, at its deadline`);
  assert.ok(retry.ms < real(PAYMENT_MS) / 2, `answered after ${retry.ms.toFixed(0)} ms, not after the payment`);

  const id = retry.body.order_id;
  const completed = await waitFor(
    async () => {
      const order = (await getJson<Order>(`${second.url}/orders/${id}`)).body;
      return order.status === 'processing' ? undefined : order;
    },
    { timeoutMs: real(PAYMENT_MS) + 10_000, message: 'the order settled once the gateway finished paying' },
  );
  assert.equal(completed.status, 'completed', 'the void waited for the charge under way');
  const stats = (await getJson<GatewayStats>(`${gateway.url}/stats`)).body;
  assert.deepEqual(stats.ledger, { charges: 1, duplicates: 0 });
  assert.equal(stats.payments.executed, 1);
  const recovered = await getJson<{ sync_recovery: { completed: number } }>(`${second.url}/stats`);
  assert.equal(recovered.body.sync_recovery.completed, 1);

  const again = await postJson<Order>(`${second.url}/orders/sync`, body, { headers });
  assert.equal(again.status, 200);
  assert.equal(again.body.status, 'completed');
});
