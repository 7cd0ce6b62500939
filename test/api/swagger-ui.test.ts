import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { startTestService, type TestService } from '../support/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('Swagger UI in a browser', () => {
  let service: TestService;
  let browser: Browser;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `chromium not found at ${CHROMIUM} (install the Debian chromium package)`);
    service = await startTestService({ adminToken: 'swagger-ui-test-admin-token' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });
  after(async () => {
    await browser?.close();
    await service?.stop();
  });

  test('lists every operation of the document, offline and within its Content-Security-Policy', async () => {
    const document = (await (await fetch(`${service.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    assert.ok(expected.length >= 15, `operations documented: ${expected.length}`);

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) problems.push(message.text());
    });
    const offsite: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(service.url) || url.startsWith('data:')) return route.continue();
      offsite.push(url);
      return route.abort();
    });
    const response = await page.goto(`${service.url}/docs`);
    const csp = (await response?.allHeaders())?.['content-security-policy'] ?? '';
    assert.match(csp, /script-src 'self'(;|$)/, 'only the page’s own scripts');
    assert.match(csp, /frame-ancestors 'none'/);
    await page.waitForSelector('.opblock-summary', { timeout: 15_000 });
    const shown = await page.$$eval('.opblock-summary', (blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '';
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? '';
        return `${method} ${path}`;
      }),
    );
    assert.deepEqual(shown.sort(), expected);
    assert.match((await page.textContent('.info .title')) ?? '', /flashsale/);
    assert.deepEqual(problems, []);
    assert.deepEqual(offsite, [], 'Swagger UI asks nothing of other hosts');
  });
});
