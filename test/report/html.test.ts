/**
 * The HTML report in headless Chromium: it opens from a file with the network
 * blocked, every chart is drawn (its series have a visible size), every table
 * is filled, and the three sections carry text.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { writeReport } from '../../src/report/index.js';
import { tempDir } from '../support/service.js';
import { asyncFlash, seedFlash, seedNormal } from './support/synthetic.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`Chromium is required in CI but ${CHROMIUM} is missing`);
if (missing) console.log(`# skipping the browser test: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);

describe('the HTML report in headless Chromium', { skip: missing }, () => {
  const tmp = tempDir('flashsale-report-html-');
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  let htmlFile: string;

  before(async () => {
    const written = await writeReport([seedNormal(), seedFlash(), asyncFlash(0.01)], { out: join(tmp.dir, 'report') });
    htmlFile = written.htmlFile!;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(`file://${htmlFile}`);
    await page.screenshot({ path: join(tmp.dir, 'report.png'), fullPage: true });
  });
  after(async () => {
    await browser?.close();
    tmp.cleanup();
  });

  test('is self-contained: no script, no stylesheet or font from elsewhere, no request leaves the file', async () => {
    const html = readFileSync(htmlFile, 'utf8');
    assert.doesNotMatch(html, /<script|<link|@import|url\(/i);
    assert.deepEqual(outside, []);
    assert.equal(await page.title(), 'flashsale load-test report');
  });

  test('draws every chart', async () => {
    const charts = await page.$$eval('svg[data-chart]', (svgs) =>
      svgs.map((svg) => {
        const drawn = Array.from(svg.querySelectorAll('[data-series]')).map((el) => {
          const box = (el as SVGGraphicsElement).getBBox();
          return { series: el.getAttribute('data-series'), width: box.width, height: box.height };
        });
        const rect = svg.getBoundingClientRect();
        return { kind: svg.getAttribute('data-chart'), width: rect.width, height: rect.height, drawn };
      }),
    );
    // One overview, then per run: distribution, latency, throughput — and queue for the sampled async run.
    assert.deepEqual(
      charts.map((c) => c.kind),
      [
        'success',
        'distribution',
        'latency',
        'throughput',
        'distribution',
        'latency',
        'throughput',
        'distribution',
        'latency',
        'throughput',
        'queue',
      ],
    );
    for (const chart of charts) {
      assert.ok(chart.width > 300 && chart.height > 100, `${chart.kind} is ${chart.width}×${chart.height}`);
      assert.ok(chart.drawn.length > 0, `${chart.kind}: nothing drawn`);
      // Bars have an area; a line has a length (a constant series is a flat line: height 0).
      assert.ok(
        chart.drawn.some(
          (d) => d.width > 0 && (d.height > 0 || chart.kind === 'throughput' || chart.kind === 'latency'),
        ),
        `${chart.kind}: ${JSON.stringify(chart.drawn.slice(0, 3))}`,
      );
      assert.ok(
        chart.drawn.every((d) => d.width + d.height > 0),
        `${chart.kind}: an empty series`,
      );
    }
    const success = charts[0]!;
    assert.deepEqual([...new Set(success.drawn.map((d) => d.series))].sort(), ['failures', 'successes']);
    const latency = charts.find((c) => c.kind === 'latency')!;
    assert.deepEqual(latency.drawn.map((d) => d.series).sort(), ['p50', 'p95']);
  });

  test('fills every table', async () => {
    const tables = await page.$$eval('table', (list) =>
      list.map((table) => ({
        header: Array.from(table.querySelectorAll('thead th')).map((th) => th.textContent ?? ''),
        rows: Array.from(table.querySelectorAll('tbody tr')).map((tr) =>
          Array.from(tr.querySelectorAll('td')).map((td) => (td.textContent ?? '').trim()),
        ),
      })),
    );
    assert.ok(tables.length >= 10, `${tables.length} tables`);
    for (const t of tables) {
      assert.ok(t.rows.length > 0, `table ${t.header.join('|')} is empty`);
      for (const row of t.rows) {
        assert.equal(row.length, t.header.length);
        assert.ok(row.filter((c) => c !== '').length >= 2, `row ${row.join('|')}`);
        for (const cell of row) assert.doesNotMatch(cell, /undefined|NaN|Infinity/);
      }
    }
    const percentiles = tables.find((t) => t.header[1] === '50%')!;
    assert.deepEqual(
      percentiles.rows.map((r) => r[0]),
      ['normal-sync', 'flash-sync', 'flash-async'],
    );
  });

  test('has the three sections, written out', async () => {
    for (const id of ['executive-summary', 'results', 'technical-analysis']) {
      const paragraphs = await page.$$eval(`section#${id} p, section#${id} li`, (els) =>
        els.map((e) => e.textContent ?? ''),
      );
      assert.ok(paragraphs.filter((t) => t.length > 40).length >= 3, `${id}: ${paragraphs.length} paragraphs`);
    }
    const summary = await page.textContent('section#executive-summary');
    assert.match(summary!, /86\.7 % failure rate/);
    assert.match(summary!, /\$78,000 per hour/);
  });
});
