import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
const TOKEN = 'dashboard-test-token';

type Stats = Record<string, unknown>;

/** What dashboard.js exposes on window for tests. */
interface DashboardWindow {
  flashsale: { points: unknown[]; charts: { queue?: { data: Array<Array<number | null>> } } };
}

/** What the page holds: its readings and the queue chart's own data arrays. */
async function pageState(page: Page) {
  return page.evaluate(() => {
    const state = (window as unknown as DashboardWindow).flashsale;
    return {
      points: state.points.length,
      chartVisible: state.charts.queue?.data[1] ?? [],
      chartInFlight: state.charts.queue?.data[2] ?? [],
    };
  });
}

async function tiles(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('[data-stat]'))) {
      out[el.dataset.stat ?? ''] = el.textContent ?? '';
    }
    return out;
  });
}

function lookup(stats: Stats, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), stats);
}

describe('dashboard in a browser', () => {
  let service: TestService;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium not found at ${CHROMIUM} (install the Debian chromium package)`);
    // 5 workers paying 150 ms each (3 s at scale 0.05) drain ~33 orders/s: a burst of 150 takes ~4.5 s.
    service = await startTestService(
      { timeScale: 0.05, workers: 5, payment: { slots: 0 }, adminToken: TOKEN },
      { dashboard: { intervalMs: 250 } },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('the queue-depth chart rises and falls with a burst, and the counters match /stats', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The page runs under its Content-Security-Policy: anything it refuses is a bug of the page or the policy.
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) errors.push(message.text());
    });
    const blocked: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(service.url)) return route.continue();
      blocked.push(url);
      return route.abort();
    });

    const response = await page.goto(`${service.url}/`);
    assert.equal(new URL(page.url()).pathname, '/dashboard');
    assert.match((await response?.allHeaders())?.['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });
    await page.waitForFunction(
      () => (window as unknown as DashboardWindow).flashsale.charts.queue !== undefined,
      null,
      {
        timeout: 10_000,
      },
    );

    const burst = 150;
    const answers = await Promise.all(
      Array.from({ length: burst }, (_, i) => postJson(`${service.url}/orders/async`, sampleOrder(1000 + i, i))),
    );
    assert.ok(
      answers.every((a) => a.status === 202),
      'every order accepted',
    );

    // The chart's data rises well above zero...
    const peak = await waitFor(
      async () => {
        const state = await pageState(page);
        const max = Math.max(0, ...state.chartVisible.map((v) => v ?? 0));
        return max >= 50 ? max : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100, message: 'queue-depth chart shows the burst' },
    );
    // ...and falls back to an empty queue once the workers drain it.
    await waitFor(
      async () => {
        const state = await pageState(page);
        const n = state.chartVisible.length;
        return n > 0 && state.chartVisible[n - 1] === 0 && state.chartInFlight[n - 1] === 0;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'queue-depth chart back to zero' },
    );
    const state = await pageState(page);
    const peakAt = state.chartVisible.findIndex((v) => (v ?? 0) === peak);
    assert.ok(peakAt >= 0 && peakAt < state.chartVisible.length - 1, 'the peak comes before the end');

    // Once the system is idle the figures stop moving; the tiles must then equal /stats.
    const stats = await waitFor(
      async () => {
        const { body } = await getJson<Stats>(`${service.url}/stats`);
        return lookup(body, 'orders.completed') === burst ? body : undefined;
      },
      { timeoutMs: 15_000, message: 'all orders completed' },
    );
    const compared = [
      'queue.visible',
      'queue.in_flight',
      'queue.dead_letters',
      'workers.target',
      'workers.busy',
      'payments.in_flight',
      'orders.pending',
      'orders.completed',
      'orders.failed',
      'accepted.async',
      'accepted.sync',
    ];
    const shown = await waitFor(
      async () => {
        const t = await tiles(page);
        return t['orders.completed'] === burst.toLocaleString('en-US') ? t : undefined;
      },
      { timeoutMs: 5000, message: 'tiles show the completed orders' },
    );
    for (const path of compared) {
      assert.equal(shown[path], Number(lookup(stats, path)).toLocaleString('en-US'), `tile ${path}`);
    }

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(blocked, [], 'the page asks nothing of other hosts');
  });

  test('with the admin token, the page sets the worker count; without it, it says why not', async () => {
    const page = await browser.newPage();
    await page.goto(`${service.url}/dashboard`);
    await page.waitForSelector('#status[data-state="live"]', { timeout: 10_000 });

    await page.fill('#admin-token', 'wrong-token');
    await page.fill('#workers-count', '9');
    await page.click('#workers-form button[type="submit"]');
    await page.waitForSelector('#admin-result[data-ok="false"]', { timeout: 5000 });
    assert.match((await page.textContent('#admin-result')) ?? '', /^40[13]/);
    const unchanged = await getJson<Stats>(`${service.url}/stats`);
    assert.equal(lookup(unchanged.body, 'workers.target'), 5);

    await page.fill('#admin-token', TOKEN);
    await page.click('#workers-form button[type="submit"]');
    await page.waitForSelector('#admin-result[data-ok="true"]', { timeout: 5000 });
    assert.equal(await page.textContent('#admin-result'), 'workers set to 9');
    const after = await getJson<Stats>(`${service.url}/stats`);
    assert.equal(lookup(after.body, 'workers.target'), 9);
    // The tile follows at the next reading.
    await page.waitForFunction(
      () => document.querySelector('[data-stat="workers.target"]')?.textContent === '9',
      null,
      {
        timeout: 5000,
      },
    );
  });
});
