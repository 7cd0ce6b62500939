import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import type { DashboardPoint } from '../../src/dashboard/sampler.js';
import { getJson } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';
import { call, placeOrder, TOKEN } from './support.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');

interface History {
  points: DashboardPoint[];
  sold_out_at: Record<string, number>;
}

/** What dashboard.js exposes on window for tests. */
interface DashboardWindow {
  flashsale: { soldOutAt: Record<string, number>; charts: { stock?: { series: unknown[]; data: unknown[][] } } };
}

describe('the dashboard shows stock per product over time and the sold-out moment', () => {
  let service: TestService;
  let browser: Browser;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium not found at ${CHROMIUM}`);
    service = await startTestService({ adminToken: TOKEN }, { dashboard: { intervalMs: 100 } });
    for (const [sku, stock] of [
      ['FLASH-001', 3],
      ['FLASH-002', 50],
      ['EMPTY', 0],
    ] as const) {
      await call(service.url, 'PUT', `/admin/products/${sku}`, { token: TOKEN, body: { price: 10, stock } });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('readings carry each product’s units; a product that sells its last unit gets its moment', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) errors.push(message.text());
    });
    await page.goto(`${service.url}/dashboard`);
    await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
    await page.waitForSelector('#stock-tiles:not([hidden]) [data-sku="FLASH-001"]', { timeout: 10_000 });

    const before = Date.now();
    placeOrder(service.database, { customer: 1, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
    placeOrder(service.database, { customer: 2, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 1 }] });
    placeOrder(service.database, { customer: 3, status: 'pending', lines: [{ sku: 'FLASH-002', quantity: 5 }] });

    const history = await waitFor(
      async () => {
        const { body } = await getJson<History>(`${service.url}/dashboard/history`);
        return body.sold_out_at['FLASH-001'] ? body : undefined;
      },
      { timeoutMs: 10_000, message: 'FLASH-001 sold out in the readings' },
    );
    const moment = history.sold_out_at['FLASH-001']!;
    assert.ok(moment >= before - 1000 && moment <= Date.now(), 'the moment is when it sold out');
    // Nothing was taken from the product put on sale empty, nor the one with units left.
    assert.deepEqual(Object.keys(history.sold_out_at), ['FLASH-001']);
    const last = history.points.at(-1)!;
    assert.deepEqual(last.stock?.['FLASH-001'], { available: 0, reserved: 2, sold: 1 });
    assert.deepEqual(last.stock?.['FLASH-002'], { available: 45, reserved: 5, sold: 0 });
    const earlier = history.points.find((p) => p.t < moment && p.stock?.['FLASH-001']);
    assert.equal(earlier?.stock?.['FLASH-001']?.available, 3, 'the chart has the units before the sale, too');

    // The page: a sold-out tile with its moment, one chart series per product, its moment in the page's state.
    await page.waitForSelector('[data-sku="FLASH-001"].sold-out', { timeout: 5000 });
    const tile = await page.textContent('[data-sku="FLASH-001"]');
    assert.match(tile ?? '', /^FLASH-0010 \/ 3available · 2 reserved · 1 sold · sold out at \d\d:\d\d:\d\d$/);
    assert.match((await page.textContent('[data-sku="FLASH-002"]')) ?? '', /45 \/ 50available · 5 reserved · 0 sold$/);
    const shown = await page.evaluate(() => {
      const state = (window as unknown as DashboardWindow).flashsale;
      const chart = state.charts.stock;
      return { soldOutAt: state.soldOutAt, series: chart?.series.length, last: chart?.data.map((c) => c.at(-1)) };
    });
    assert.deepEqual(shown.soldOutAt, { 'FLASH-001': moment });
    assert.equal(shown.series, 4, 'x and one series per product');
    assert.deepEqual(shown.last?.slice(1), [0, 0, 45], 'EMPTY, FLASH-001, FLASH-002 by sku');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-stock.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no script errors, nothing refused by the page’s CSP');
  });
});
