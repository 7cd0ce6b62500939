import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { getJson } from '../support/orders.js';
import { startTestService, type TestService } from '../support/service.js';
import { call, placeOrder, TOKEN } from './support.js';

type Stats = {
  stock: Record<string, { initial: number; available: number; reserved: number; sold: number; sold_out: boolean }>;
  rejected: Record<string, number>;
};

describe('the stock figures: /stats and /metrics', () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({ adminToken: TOKEN }, { dashboard: false });
    await call(service.url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: { price: 29.99, stock: 3 } });
  });
  after(async () => service?.stop());

  test('/stats stock follows the counters; a sku with nothing available is sold out', async () => {
    placeOrder(service.database, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
    placeOrder(service.database, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 1 }] });
    const { body } = await getJson<Stats>(`${service.url}/stats`);
    assert.deepEqual(body.stock, {
      'FLASH-001': { initial: 3, available: 0, reserved: 2, sold: 1, sold_out: true },
    });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /^flashsale_stock_units\{sku="FLASH-001",state="available"\} 0$/m);
    assert.match(metrics, /^flashsale_stock_units\{sku="FLASH-001",state="reserved"\} 2$/m);
    assert.match(metrics, /^flashsale_stock_units\{sku="FLASH-001",state="sold"\} 1$/m);
  });

  test('observeRejected counts each refusal by reason, in /stats and as a counter; every reason starts at 0', async () => {
    const read = async () => {
      const stats = (await getJson<Stats>(`${service.url}/stats`)).body.rejected;
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const counter = Object.fromEntries(
        [...text.matchAll(/^flashsale_orders_rejected_total\{reason="([a-z_]+)"\} (\d+)$/gm)].map((m) => [
          m[1],
          Number(m[2]),
        ]),
      );
      return { stats, counter, text };
    };
    const zero = { sold_out: 0, limit_exceeded: 0, price_changed: 0, not_on_sale: 0, unknown_sku: 0 };
    const first = await read();
    assert.deepEqual(first.stats, zero);
    assert.deepEqual(first.counter, zero);
    service.telemetry.observeRejected('sold_out');
    service.telemetry.observeRejected('sold_out');
    service.telemetry.observeRejected('limit_exceeded');
    const later = await read();
    const counted = { ...zero, sold_out: 2, limit_exceeded: 1 };
    assert.deepEqual(later.stats, counted);
    assert.deepEqual(later.counter, counted);
    assert.match(later.text, /^# TYPE flashsale_orders_rejected_total counter$/m);
    assert.match(later.text, /^# TYPE flashsale_stock_units gauge$/m);
    // Prometheus's naming rules, with the stock series present (the metrics test scrapes without a catalog).
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: later.text, encoding: 'utf8' });
    if (lint.error && process.env.CI !== 'true') return;
    assert.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`);
  });
});
