/**
 * `flashsale loadtest sellout` against a real embedded flashsale with a
 * catalog product: buyers beyond the stock get 409 sold_out, which the run
 * counts apart (not as failures), with the time to sell out and the sold-out
 * answers' response times. The counts need the reservation at intake
 * (SQLite store + order routes): without it every order is a 202.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { formatSummary } from '../../src/loadtest/summary.js';
import { startTestService, type TestService, tempDir } from '../support/service.js';
import { flashsale } from './support/cli.js';

const STOCK = 40;

describe('loadtest sellout against a product with 40 units', () => {
  const tmp = tempDir('flashsale-sellout-');
  let service: TestService;
  before(async () => {
    const file = join(tmp.dir, 'catalog.json');
    // A limit of 1 per customer: the scenario must send each order for a customer of its own.
    writeFileSync(file, JSON.stringify([{ sku: 'FLASH-001', price: 29.99, stock: STOCK, per_customer_limit: 1 }]));
    // No workers: nothing is paid or released during the test, the units stay reserved.
    service = await startTestService({ workers: 0, catalog: { file, mode: 'open' } });
  });
  after(async () => {
    await service?.stop();
    tmp.cleanup();
  });

  test('exactly the stock is accepted, every other buyer is told sold out, and none of it is a failure', async () => {
    const result = await runLoadTest({ host: service.url, scenario: 'sellout', runTimeMs: 2000, trackOrders: 0 });
    const s = result.sellout;
    assert.ok(s, 'the results carry the sellout figures');
    assert.equal(result.config.path, '/orders/async');
    assert.equal(result.config.payload, 'sellout');
    assert.equal(result.config.sku, 'FLASH-001');
    const requests = result.summary.requests;
    assert.ok(requests >= 100, `${requests} requests in 2 s at 60/s`);
    assert.equal(s.accepted, STOCK);
    assert.equal(s.soldOut, requests - STOCK);
    assert.deepEqual(s.otherConflicts, {});
    assert.deepEqual(result.statusCodes, { 202: STOCK, 409: requests - STOCK });
    assert.equal(result.summary.failures, 0, 'a sold-out answer is expected, not a failure');
    // 40 units at 60 buyers/s go in about 0.67 s.
    assert.ok(
      s.timeToSellOutMs !== null && s.timeToSellOutMs > 400 && s.timeToSellOutMs < 1500,
      `${s.timeToSellOutMs}`,
    );
    assert.equal(s.timeToSellOutS, s.timeToSellOutMs / 1000);
    assert.equal(s.soldOutLatency.count, s.soldOut);
    assert.ok(s.soldOutLatency.percentiles['99'] >= s.soldOutLatency.percentiles['50']);
    assert.ok(s.soldOutLatency.maxMs < 1000, `slowest sold-out answer ${s.soldOutLatency.maxMs} ms`);
    assert.deepEqual(s.stockAtStart, { initial: STOCK, available: STOCK, reserved: 0, sold: 0 });
    assert.deepEqual(s.stockAtEnd, { initial: STOCK, available: 0, reserved: STOCK, sold: 0 });
    const text = formatSummary(result);
    assert.match(
      text,
      new RegExp(`Sellout of FLASH-001 at 29\\.99: ${STOCK} accepted \\(202\\) · ${s.soldOut} sold out \\(409\\)`),
    );
    assert.match(text, /time to sell out \(first sold_out answer\): 0\.\d+ s/);
    assert.match(text, /409 sold_out response times, ms/);
  });

  test('--json carries them; a sold-out sale exits 0', async () => {
    const run = await flashsale(['loadtest', 'sellout', '-H', service.url, '--run-time', '1s', '--no-save', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const json = JSON.parse(run.stdout) as {
      sellout: { accepted: number; soldOut: number };
      summary: { requests: number };
    };
    // The stock went in the test above: every buyer now is sold out.
    assert.equal(json.sellout.accepted, 0);
    assert.equal(json.sellout.soldOut, json.summary.requests);
  });

  test('a sku that is not a product is sold unlimited, and the run says so', async () => {
    const result = await runLoadTest({
      host: service.url,
      scenario: 'sellout',
      sku: 'OPEN-7',
      runTimeMs: 500,
      trackOrders: 0,
    });
    assert.equal(result.sellout?.stockAtStart, null);
    assert.equal(result.sellout?.price, 29.99);
    assert.equal(result.sellout?.accepted, result.summary.requests);
    assert.equal(result.sellout?.timeToSellOutMs, null);
    assert.ok(result.notes.some((n) => n.includes('OPEN-7 is not a product')));
  });
});

describe('loadtest sellout on the command line', () => {
  test('--help documents the scenario and its figures', async () => {
    const run = await flashsale(['loadtest', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /sellout\s+limited stock: open loop, 60 orders\/s/);
    assert.match(run.stdout, /--sku <sku>/);
    assert.match(run.stdout, /time to sell out/);
  });

  test('--sku without the sellout payload is a usage error naming the flag; nothing is sent', async () => {
    const run = await flashsale(['loadtest', 'flash-60', '--sku', 'FLASH-002', '-H', 'http://127.0.0.1:9']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--sku: applies to the sellout payload only/);
  });
});
