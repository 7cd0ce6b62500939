import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Contract, type Exchange, recordExchanges } from '../support/contract.js';
import { startTestService, type TestService } from '../support/service.js';
import { call, catalogRows, TOKEN } from './support.js';

const valid = { name: 'Mug', price: 29.99, stock: 100 };

interface Case {
  name: string;
  method?: 'PUT' | 'POST';
  /** Path after /admin/products/; default FLASH-001 (PUT) or FLASH-001/restock (POST). */
  path?: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  status: number;
  error: string;
  field?: string;
}

const put = (name: string, body: unknown, field: string, status = 400): Case => ({
  name,
  body,
  field,
  status,
  error: 'validation_error',
});
const restock = (name: string, body: unknown, field: string): Case => ({
  name,
  method: 'POST',
  body,
  field,
  status: 400,
  error: 'validation_error',
});

const cases: Case[] = [
  put('negative stock', { ...valid, stock: -1 }, 'stock'),
  put('fractional stock', { ...valid, stock: 2.5 }, 'stock'),
  put('absurd stock', { ...valid, stock: 1e10 }, 'stock'),
  put('stock as text', { ...valid, stock: '100' }, 'stock'),
  put('stock null', { ...valid, stock: null }, 'stock'),
  put('no stock', { name: 'Mug', price: 29.99 }, 'stock'),
  put('no price', { name: 'Mug', stock: 100 }, 'price'),
  put('negative price', { ...valid, price: -0.01 }, 'price'),
  put('a third decimal', { ...valid, price: 29.999 }, 'price'),
  put('absurd price', { ...valid, price: 1e9 }, 'price'),
  put('price as text', { ...valid, price: '29.99' }, 'price'),
  put('empty name', { ...valid, name: '' }, 'name'),
  put('blank name', { ...valid, name: '   ' }, 'name'),
  put('name too long', { ...valid, name: 'x'.repeat(201) }, 'name'),
  put('limit 0', { ...valid, per_customer_limit: 0 }, 'per_customer_limit'),
  put('fractional limit', { ...valid, per_customer_limit: 1.5 }, 'per_customer_limit'),
  put('limit as text', { ...valid, per_customer_limit: '2' }, 'per_customer_limit'),
  put('start not a time', { ...valid, starts_at: 'tomorrow' }, 'starts_at'),
  put('start without a zone', { ...valid, starts_at: '2026-11-27T09:00:00' }, 'starts_at'),
  put('end not a time', { ...valid, ends_at: 12 }, 'ends_at'),
  put('end before start', { ...valid, starts_at: '2026-11-27T10:00:00Z', ends_at: '2026-11-27T09:00:00Z' }, 'ends_at'),
  put(
    'end at the start',
    { ...valid, starts_at: '2026-11-27T10:00:00Z', ends_at: '2026-11-27T11:00:00+01:00' },
    'ends_at',
  ),
  put('a misspelt field', { ...valid, stok: 5 }, 'stok'),
  put('the stock as GET shows it', { ...valid, stock: { initial: 5 } }, 'stock'),
  { name: 'a sku with a space', path: 'bad%20sku', body: valid, status: 400, error: 'validation_error', field: 'sku' },
  { name: 'a sku too long', path: 'X'.repeat(65), body: valid, status: 400, error: 'validation_error', field: 'sku' },
  { name: 'not an object', raw: '[1,2]', status: 400, error: 'validation_error' },
  { name: 'malformed JSON', raw: '{"price": 29.99, "stock"', status: 400, error: 'malformed_json' },
  { name: 'empty body', raw: '', status: 400, error: 'empty_body' },
  { name: 'not JSON', raw: 'price=1', contentType: 'text/plain', status: 415, error: 'unsupported_media_type' },
  restock('add 0', { add: 0 }, 'add'),
  restock('add negative', { add: -5 }, 'add'),
  restock('add fractional', { add: 1.5 }, 'add'),
  restock('add absurd', { add: 1e10 }, 'add'),
  restock('add as text', { add: '5' }, 'add'),
  restock('no add', {}, 'add'),
  restock('restock with another field', { add: 5, stock: 10 }, 'stock'),
  {
    name: 'restock of a missing sku',
    method: 'POST',
    path: 'NOPE/restock',
    body: { add: 5 },
    status: 404,
    error: 'not_found',
    field: 'sku',
  },
];

describe('bad product input: a 4xx naming the field, and nothing changed', () => {
  let service: TestService;
  let exchanges: Exchange[];
  before(async () => {
    const recorder = recordExchanges();
    exchanges = recorder.exchanges;
    service = await startTestService({ adminToken: TOKEN }, { plugins: [recorder.plugin], dashboard: false });
    await call(service.url, 'PUT', '/admin/products/FLASH-001', { token: TOKEN, body: valid });
  });
  after(async () => service?.stop());

  for (const c of cases) {
    test(c.name, async () => {
      const before = catalogRows(service.database);
      const method = c.method ?? 'PUT';
      const path = `/admin/products/${c.path ?? (method === 'PUT' ? 'FLASH-001' : 'FLASH-001/restock')}`;
      const r = await call(service.url, method, path, {
        token: TOKEN,
        ...(c.raw !== undefined ? { raw: c.raw } : { body: c.body }),
        ...(c.contentType ? { contentType: c.contentType } : {}),
      });
      assert.equal(r.status, c.status, JSON.stringify(r.body));
      assert.equal(r.body.error, c.error);
      if (c.field) {
        assert.equal(r.body.field, c.field);
        assert.match(String(r.body.message), new RegExp(`\\b${c.field}\\b`), 'the message names the field');
      }
      assert.deepEqual(catalogRows(service.database), before, 'nothing changed');
    });
  }

  test('every refusal matches the OpenAPI document', async () => {
    assert.ok(exchanges.length > cases.length);
    (await Contract.load(service.url)).assertAll(exchanges);
  });
});
