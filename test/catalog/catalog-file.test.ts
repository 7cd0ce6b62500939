import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Product } from '../../src/core/stock.js';
import { CatalogFileError } from '../../src/service/catalog-file.js';
import { startService } from '../../src/service/service.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { flashsale } from '../loadtest/support/cli.js';
import { tempDir } from '../support/service.js';
import { call, placeOrder, TOKEN } from './support.js';

const EXAMPLE = new URL('../../examples/catalog.json', import.meta.url).pathname;

describe('--catalog FILE at start', () => {
  const { dir, cleanup } = tempDir('flashsale-catalog-file-');
  after(cleanup);
  const start = (db: string, file: string) =>
    startService({
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, db),
      logLevel: 'silent',
      adminToken: TOKEN,
      catalog: { file },
    });

  test('creates the example’s products once; a restart mid-sale keeps the stock as the sale left it', async () => {
    let service = await start('sale.db', EXAMPLE);
    try {
      const { products } = (await call<{ products: Product[] }>(service.url, 'GET', '/products')).body;
      assert.deepEqual(
        products.map((p) => [p.sku, p.price, p.stock.initial, p.stock.available, p.per_customer_limit]),
        [
          ['FLASH-001', 29.99, 1000, 1000, 2],
          ['FLASH-002', 49.99, 500, 500, null],
          ['FLASH-003', 99.99, 200, 200, null],
        ],
      );
      placeOrder(service.database, { customer: 1, status: 'completed', lines: [{ sku: 'FLASH-001', quantity: 2 }] });
      placeOrder(service.database, { customer: 2, status: 'pending', lines: [{ sku: 'FLASH-001', quantity: 1 }] });
      await call(service.url, 'POST', '/admin/products/FLASH-002/restock', { token: TOKEN, body: { add: 50 } });
      await call(service.url, 'PUT', '/admin/products/FLASH-003', { token: TOKEN, body: { price: 89.99, stock: 150 } });
    } finally {
      await service.close();
    }
    const before = new Map([
      ['FLASH-001', { initial: 1000, available: 997, reserved: 1, sold: 2 }],
      ['FLASH-002', { initial: 550, available: 550, reserved: 0, sold: 0 }],
      ['FLASH-003', { initial: 150, available: 150, reserved: 0, sold: 0 }],
    ]);
    service = await start('sale.db', EXAMPLE);
    try {
      const { products } = (await call<{ products: Product[] }>(service.url, 'GET', '/products')).body;
      assert.deepEqual(new Map(products.map((p) => [p.sku, p.stock])), before);
      assert.equal(products.find((p) => p.sku === 'FLASH-003')?.price, 89.99, 'the price set by hand stays');
      const audit = await call<{ clean: boolean }>(service.url, 'GET', '/admin/products/audit', { token: TOKEN });
      assert.equal(audit.body.clean, true);
    } finally {
      await service.close();
    }
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{"products": [', /is not valid JSON/],
    ['not a list', '{"items": []}', /products must be an array of products/],
    ['a product not an object', '[42]', /products\[0\] must be an object/],
    ['a sku missing', '[{"price": 1, "stock": 5}]', /products\[0\]\.sku must be 1 to 64 letters/],
    [
      'a third decimal in the second product',
      '[{"sku": "OK-1", "price": 1, "stock": 5}, {"sku": "FLASH-002", "price": 49.999, "stock": 5}]',
      /products\[1\]\.price must have at most 2 decimals, got 49\.999 \(product FLASH-002\)/,
    ],
    [
      'a negative stock',
      '[{"sku": "A", "price": 1, "stock": -3}]',
      /products\[0\]\.stock must be a whole number .* \(product A\)/,
    ],
    ['no stock', '[{"sku": "A", "price": 1}]', /products\[0\]\.stock is required \(product A\)/],
    [
      'a misspelt field',
      '[{"sku": "A", "price": 1, "stock": 1, "limit": 2}]',
      /products\[0\]\.limit is not a product field/,
    ],
    [
      'a sku twice',
      '[{"sku": "A", "price": 1, "stock": 1}, {"sku": "A", "price": 2, "stock": 1}]',
      /products\[1\]\.sku repeats A/,
    ],
  ];
  for (const [name, text, message] of bad) {
    test(`a file with ${name} stops the start, naming the file, the product and the field; nothing is created`, async () => {
      const file = join(dir, `${name.replaceAll(' ', '-')}.json`);
      writeFileSync(file, text);
      const db = `${name.replaceAll(' ', '-')}.db`;
      await assert.rejects(start(db, file), (error: Error) => {
        assert.ok(error instanceof CatalogFileError, String(error));
        assert.ok(error.message.startsWith(`catalog file ${file}: `), error.message);
        assert.match(error.message, message);
        return true;
      });
      const database = new SqliteDatabase({ path: join(dir, db) });
      try {
        assert.deepEqual(database.db.prepare('SELECT sku FROM products').all(), []);
      } finally {
        await database.close();
      }
    });
  }

  test('flashsale serve with a bad file exits 2 with one line, without starting', async () => {
    const file = join(dir, 'cli-bad.json');
    writeFileSync(file, '[{"sku": "FLASH-001", "price": 29.99, "stock": 1.5}]');
    const run = await flashsale(['serve', '--port', '0', '--db', join(dir, 'cli.db'), '--catalog', file]);
    assert.equal(run.code, 2, run.stderr);
    assert.equal(
      run.stderr.trim(),
      `flashsale: catalog file ${file}: products[0].stock must be a whole number from 0 to 1000000000, got 1.5 (product FLASH-001) (flag --catalog, env FLASHSALE_CATALOG)`,
    );
    assert.doesNotMatch(run.stderr, /listening/);
  });
});
