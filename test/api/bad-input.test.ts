import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Contract, recordExchanges } from '../support/contract.js';
import { startTestService, type TestService } from '../support/service.js';

const valid = { customer_id: 1234, items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }] };
const item = valid.items[0];

interface Case {
  name: string;
  body?: unknown;
  raw?: string | Blob;
  contentType?: string;
  headers?: Record<string, string>;
  method?: string;
  path?: string;
  status: number;
  error: string;
  field?: string;
}

const cases: Case[] = [
  { name: 'malformed JSON', raw: '{"customer_id": 12', status: 400, error: 'malformed_json' },
  { name: 'empty body', raw: '', status: 400, error: 'empty_body' },
  { name: 'JSON that is not an object', raw: '[1,2]', status: 400, error: 'validation_error' },
  {
    name: 'missing customer_id',
    body: { items: valid.items },
    status: 400,
    error: 'validation_error',
    field: 'customer_id',
  },
  { name: 'missing items', body: { customer_id: 1 }, status: 400, error: 'validation_error', field: 'items' },
  {
    name: 'customer_id as string',
    body: { ...valid, customer_id: '1234' },
    status: 400,
    error: 'validation_error',
    field: 'customer_id',
  },
  {
    name: 'customer_id fractional',
    body: { ...valid, customer_id: 12.5 },
    status: 400,
    error: 'validation_error',
    field: 'customer_id',
  },
  {
    name: 'customer_id negative',
    body: { ...valid, customer_id: -1 },
    status: 400,
    error: 'validation_error',
    field: 'customer_id',
  },
  { name: 'items not an array', body: { ...valid, items: {} }, status: 400, error: 'validation_error', field: 'items' },
  { name: 'empty item list', body: { ...valid, items: [] }, status: 400, error: 'validation_error', field: 'items' },
  {
    name: 'huge item list',
    body: { ...valid, items: Array.from({ length: 101 }, () => item) },
    status: 400,
    error: 'validation_error',
    field: 'items',
  },
  {
    name: 'quantity zero',
    body: { ...valid, items: [{ ...item, quantity: 0 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].quantity',
  },
  {
    name: 'quantity negative',
    body: { ...valid, items: [{ ...item, quantity: -2 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].quantity',
  },
  {
    name: 'quantity fractional',
    body: { ...valid, items: [{ ...item, quantity: 1.5 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].quantity',
  },
  {
    name: 'quantity as string',
    body: { ...valid, items: [{ ...item, quantity: '1' }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].quantity',
  },
  {
    name: 'price negative',
    body: { ...valid, items: [{ ...item, price: -0.01 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].price',
  },
  {
    name: 'price not finite (1e999)',
    raw: '{"customer_id":1,"items":[{"product_id":"A","quantity":1,"price":1e999}]}',
    status: 400,
    error: 'validation_error',
    field: 'items[0].price',
  },
  {
    name: 'price NaN literal',
    raw: '{"customer_id":1,"items":[{"product_id":"A","quantity":1,"price":NaN}]}',
    status: 400,
    error: 'malformed_json',
  },
  {
    name: 'price missing',
    body: { ...valid, items: [{ product_id: 'A', quantity: 1 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].price',
  },
  {
    name: 'product_id empty',
    body: { ...valid, items: [{ ...item, product_id: '' }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].product_id',
  },
  {
    name: 'product_id over-long',
    body: { ...valid, items: [{ ...item, product_id: 'X'.repeat(65) }] },
    status: 400,
    error: 'validation_error',
    field: 'items[0].product_id',
  },
  {
    name: 'second item bad',
    body: { ...valid, items: [item, { ...item, quantity: 0 }] },
    status: 400,
    error: 'validation_error',
    field: 'items[1].quantity',
  },
  {
    name: 'body over the size limit',
    raw: JSON.stringify({ ...valid, pad: 'x'.repeat(70_000) }),
    status: 413,
    error: 'body_too_large',
  },
  {
    name: 'wrong content type',
    raw: 'customer_id=1',
    contentType: 'application/x-www-form-urlencoded',
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'text/plain JSON',
    raw: JSON.stringify(valid),
    contentType: 'text/plain',
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'over-long idempotency key',
    body: valid,
    headers: { 'idempotency-key': 'k'.repeat(256) },
    status: 400,
    error: 'validation_error',
  },
  {
    // "1234" for customer_id's digits would be fine; 0xC3 0x28 is not UTF-8 at all.
    name: 'invalid UTF-8 inside a JSON string',
    raw: new Blob([
      '{"customer_id":1234,"items":[{"product_id":"FLASH-',
      new Uint8Array([0xc3, 0x28]),
      '","quantity":1,"price":29.99}]}',
    ]),
    status: 400,
    error: 'invalid_utf8',
  },
  { name: 'unknown route', body: valid, path: '/checkout/now', status: 404, error: 'not_found' },
  { name: 'trailing slash on a POST route', body: valid, path: '/orders/sync/', status: 404, error: 'not_found' },
  { name: 'trailing slash on a GET route', method: 'GET', path: '/health/', status: 404, error: 'not_found' },
  {
    name: 'wrong method on a known route',
    method: 'DELETE',
    path: '/orders/sync',
    status: 405,
    error: 'method_not_allowed',
  },
  { name: 'unknown top-level route', method: 'GET', path: '/nope', status: 404, error: 'not_found' },
];

describe('bad input answers a 4xx naming the problem and stores nothing', () => {
  let service: TestService;
  // Every answer these tests get is checked against the OpenAPI document at the end.
  const recorder = recordExchanges();
  before(async () => {
    service = await startTestService({ timeScale: 0.001, workers: 1 }, { plugins: [recorder.plugin] });
  });
  after(async () => service.stop());

  for (const route of ['/orders/sync', '/orders/async']) {
    for (const c of cases) {
      if (c.path && route === '/orders/async') continue; // route-independent cases run once
      test(`${c.name} (${c.path ?? route})`, async () => {
        const before = await service.store.counts();
        const depthBefore = await service.bus.depth('order-processing-queue');
        const method = c.method ?? 'POST';
        const response = await fetch(service.url + (c.path ?? route), {
          method,
          ...(method === 'POST'
            ? {
                headers: { 'content-type': c.contentType ?? 'application/json', ...c.headers },
                body: c.raw ?? JSON.stringify(c.body),
              }
            : {}),
        });
        const body = (await response.json()) as { error: string; message: string; field?: string };
        assert.equal(response.status, c.status, `${c.name}: ${JSON.stringify(body)}`);
        assert.ok(response.status >= 400 && response.status < 500);
        assert.equal(body.error, c.error);
        assert.equal(typeof body.message, 'string');
        assert.ok(body.message.length > 0);
        if (c.field) {
          assert.equal(body.field, c.field);
          assert.ok(body.message.includes(c.field), `message names the field: ${body.message}`);
        }
        if (c.status === 405) assert.ok(response.headers.get('allow')?.includes('POST'));
        if (c.status === 404) assert.equal(response.headers.get('allow'), null, 'a 404 names no methods');
        assert.deepEqual(await service.store.counts(), before);
        assert.deepEqual(await service.bus.depth('order-processing-queue'), depthBefore);
        assert.equal(await service.ledger.count(), 0);
      });
    }
  }

  test('a valid order after all that is accepted (the checks above were not vacuous)', async () => {
    const response = await fetch(`${service.url}/orders/async`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...valid, note: 'unknown fields are ignored' }),
    });
    assert.equal(response.status, 202);
    assert.equal((await service.store.counts()).orders, 1);
  });

  test('every answer above matches the OpenAPI document (status, body, headers)', async () => {
    assert.ok(recorder.exchanges.length >= 5, `answers recorded: ${recorder.exchanges.length}`);
    (await Contract.load(service.url)).assertAll(recorder.exchanges);
  });
});
