import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Product } from '../../src/core/stock.js';
import type { StockAudit } from '../../src/core/stock-audit.js';
import { type CliRun, flashsale } from '../loadtest/support/cli.js';
import { startTestService, type TestService } from '../support/service.js';
import { catalogRows, placeOrder, TOKEN } from './support.js';

/**
 * `flashsale products` against a running server: exit 0 when done, 2 for a
 * mistake on the command line (nothing sent), 1 when the server refuses (its
 * reason printed) — and `audit` exits 1 on any drift.
 */
describe('flashsale products', () => {
  let service: TestService;
  let auth: string[];
  const run = (...args: string[]) => flashsale(['products', ...args, ...auth]);
  const all = <const T extends readonly string[][]>(...runs: T) =>
    Promise.all(runs.map((args) => run(...args))) as Promise<{ [K in keyof T]: CliRun }>;
  const ok = (r: CliRun) => assert.equal(r.code, 0, r.stderr);

  before(async () => {
    service = await startTestService({ adminToken: TOKEN }, { dashboard: false });
    auth = ['--url', service.url, '--token', TOKEN];
  });
  after(async () => service?.stop());

  test('set, list, show, restock and delete, in words and in JSON', async () => {
    const [created, json] = await all(
      ['set', 'FLASH-001', '--price', '29.99', '--stock', '1000', '--name', 'Mug', '--limit', '2'],
      ['set', 'FLASH-002', '--price', '49.99', '--stock', '5', '--starts-at', '2026-11-27T09:00:00Z', '--json'],
    );
    ok(created);
    assert.equal(created.stdout.trim(), 'created FLASH-001 "Mug" at 29.99: 1000 of 1000 available, 0 reserved, 0 sold');
    ok(json);
    assert.equal((JSON.parse(json.stdout) as Product).starts_at, '2026-11-27T09:00:00.000Z');

    const [replaced, restocked, list, show] = await all(
      ['set', 'FLASH-002', '--price', '49.99', '--stock', '8'],
      ['restock', 'FLASH-001', '100', '--json'],
      ['list'],
      ['show', 'FLASH-001', '--json'],
    );
    ok(replaced);
    assert.match(replaced.stdout, /^replaced FLASH-002 "FLASH-002" at 49\.99: 8 of 8 available/);
    ok(restocked);
    assert.equal((JSON.parse(restocked.stdout) as Product).stock.initial, 1100);
    ok(list);
    assert.match(list.stdout, /^SKU +NAME +PRICE +LIMIT +INITIAL +AVAILABLE +RESERVED +SOLD +ON SALE$/m);
    assert.match(list.stdout, /^FLASH-00[12] .*$/m);
    ok(show);
    assert.equal((JSON.parse(show.stdout) as Product).per_customer_limit, 2);

    const removed = await run('delete', 'FLASH-002');
    ok(removed);
    assert.match(removed.stdout, /^removed FLASH-002/);
    assert.deepEqual((service.database.db.prepare('SELECT sku, initial FROM products').all() as object[]).length, 1);
  });

  test('a mistake on the command line exits 2 and sends nothing', async () => {
    const before = catalogRows(service.database);
    const runs = await all(
      ['set', 'FLASH-009', '--price', '9.999', '--stock', '5'],
      ['set', 'FLASH-009', '--price', 'cheap', '--stock', '5'],
      ['set', 'FLASH-009', '--price', '9.99', '--stock', '2.5'],
      ['set', 'FLASH-009', '--stock', '5'],
      ['set', 'bad sku', '--price', '1', '--stock', '5'],
      ['set', 'FLASH-009', '--price', '1', '--stock', '5', '--limit', '0'],
      ['set', 'FLASH-009', '--price', '1', '--stock', '5', '--ends-at', 'soon'],
      ['restock', 'FLASH-001', '0'],
    );
    const expected = [
      /price must have at most 2 decimals/,
      /--price: expected a number, got "cheap"/,
      /--stock: expected a whole number, got "2\.5"/,
      /required option '--price <price>' not specified/,
      /the sku must be 1 to 64 letters/,
      /--limit: must be ≥ 1, got 0/,
      /ends_at must be an ISO 8601 date-time/,
      /the units to add: must be ≥ 1, got 0/,
    ];
    for (const [i, r] of runs.entries()) {
      assert.equal(r.code, 2, `case ${i}: ${r.stderr}`);
      assert.match(r.stderr, expected[i]!);
    }
    assert.deepEqual(catalogRows(service.database), before, 'nothing changed');
  });

  test('a refusal of the server exits 1 with its reason, a missing token 2 (nothing sent); list needs no token', async () => {
    await run('set', 'HELD', '--price', '5', '--stock', '10');
    placeOrder(service.database, { customer: 1, status: 'pending', lines: [{ sku: 'HELD', quantity: 4 }] });
    const before = catalogRows(service.database);
    const [[below, held, missing], noToken, wrongToken] = await Promise.all([
      all(['set', 'HELD', '--price', '5', '--stock', '3'], ['delete', 'HELD'], ['restock', 'NOPE', '5']),
      flashsale(['products', 'restock', 'HELD', '5', '--url', service.url]),
      flashsale(['products', 'restock', 'HELD', '5', '--url', service.url, '--token', 'wrong']),
    ]);
    assert.deepEqual(
      [below, held, missing, noToken, wrongToken].map((r) => r.code),
      [1, 1, 1, 2, 1],
    );
    assert.match(below.stderr, /409: stock 3 is below the 4 unit\(s\) reserved and 0 sold of HELD; give at least 4/);
    assert.match(held.stderr, /409: orders hold 4 unit\(s\) of HELD/);
    assert.match(missing.stderr, /404: no product with sku NOPE/);
    assert.match(noToken.stderr, /no admin token/);
    assert.match(wrongToken.stderr, /refused the admin token \(401\)/);
    assert.deepEqual(catalogRows(service.database), before, 'nothing changed');

    const anonymous = await flashsale(['products', 'list', '--url', service.url]);
    ok(anonymous);
    assert.match(anonymous.stdout, /^HELD +HELD +5\.00 +- +10 +6 +4 +0 +always$/m);
  });

  test('audit exits 0 on a clean catalog and 1 on drift made by hand, naming it', async () => {
    const [clean, cleanJson] = await all(['audit'], ['audit', '--json']);
    ok(clean);
    assert.match(clean.stdout, /^clean: \d+ sku\(s\) agree with \d+ order\(s\)$/m);
    ok(cleanJson);
    assert.equal((JSON.parse(cleanJson.stdout) as StockAudit).clean, true);

    // A unit reserved that no order holds: a leak.
    service.database.db.exec(
      "UPDATE products SET available = available - 1, reserved = reserved + 1 WHERE sku = 'HELD'",
    );
    const [drift, driftJson] = await all(['audit'], ['audit', '--json']);
    assert.equal(drift.code, 1, drift.stderr);
    assert.match(drift.stdout, /^HELD .* 5 \/ 4 .* DRIFT \(1\)$/m);
    assert.match(drift.stdout, /HELD reserved: counter says 5 reserved, pending and processing orders hold 4/);
    assert.match(drift.stdout, /^drift in 1 of \d+ sku\(s\)/m);
    assert.equal(driftJson.code, 1);
    const audit = JSON.parse(driftJson.stdout) as StockAudit;
    assert.equal(audit.clean, false);
    assert.deepEqual(
      audit.skus.find((s) => s.sku === 'HELD')?.drift.map((d) => [d.field, d.counter, d.orders]),
      [['reserved', 5, 4]],
    );
  });
});
