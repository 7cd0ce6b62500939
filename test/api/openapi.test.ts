import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { routeTable } from '../../src/api/openapi.js';
import { Contract } from '../support/contract.js';
import { startTestService, type TestService } from '../support/service.js';

const TOKEN = 'openapi-test-admin-token';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

type Operation = { security?: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string }> };
type Document = {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
};

describe('the OpenAPI document', () => {
  let service: TestService;
  let document: Document;

  before(async () => {
    service = await startTestService({ adminToken: TOKEN });
    const response = await fetch(`${service.url}/docs/json`);
    assert.equal(response.status, 200, await response.clone().text());
    document = (await response.json()) as Document;
  });
  after(async () => service?.stop());

  test('validates against the OpenAPI 3.1 schema, and every $ref resolves', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    assert.equal(document.openapi, '3.1.0');
    const text = JSON.stringify(document);
    for (const [, pointer] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = (pointer ?? '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], document);
      assert.ok(target, `$ref #/${pointer} resolves`);
    }
  });

  test('carries the package version and declares the admin routes’ bearer scheme', () => {
    assert.equal(document.info.version, pkg.version);
    assert.deepEqual(document.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: document.components.securitySchemes.bearerAuth?.['description' as 'type'],
    });
    const admin = Object.entries(document.paths).filter(([path]) => path.startsWith('/admin/'));
    assert.ok(admin.length >= 6);
    for (const [path, operations] of admin) {
      for (const [method, operation] of Object.entries(operations)) {
        assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${method} ${path}`);
        for (const status of ['401', '403'])
          assert.ok(operation.responses[status], `${method} ${path} documents ${status}`);
      }
    }
  });

  test('every registered route is documented, or hidden with a reason', () => {
    const routes = routeTable(service.app);
    assert.ok(routes.length > 20, `routes seen: ${routes.length}`);
    const gets = new Set(routes.filter((r) => r.method === 'GET').map((r) => r.url));
    const undocumented: string[] = [];
    for (const route of routes) {
      if (route.hidden) {
        assert.ok(route.hiddenBecause, `${route.method} ${route.url} is hidden without a reason`);
        continue;
      }
      // Fastify answers HEAD for every GET route; the document lists the GET.
      if (route.method === 'HEAD' && gets.has(route.url)) continue;
      const path = route.url.replace(/:([^/]+)/g, '{$1}');
      if (!document.paths[path]?.[route.method.toLowerCase()]) undocumented.push(`${route.method} ${route.url}`);
    }
    assert.deepEqual(undocumented, []);
    for (const path of ['/orders/sync', '/orders/async', '/orders/{id}', '/health', '/ready', '/metrics', '/stats']) {
      assert.ok(document.paths[path], `${path} is documented`);
    }
  });

  test('documents the statuses, request headers and response headers a client must handle', () => {
    const sync = document.paths['/orders/sync']?.post as Operation;
    const async = document.paths['/orders/async']?.post as Operation;
    assert.deepEqual(Object.keys(sync.responses).sort(), [
      '200',
      '202',
      '400',
      '402',
      '409',
      '413',
      '415',
      '422',
      '429',
      '502',
      '503',
    ]);
    assert.deepEqual(Object.keys(async.responses).sort(), ['202', '400', '409', '413', '415', '422', '429', '503']);
    assert.deepEqual(sync.parameters?.map((p) => p.name).sort(), ['idempotency-key', 'x-api-key', 'x-deadline-ms']);
    const headers = (op: Operation, status: string) =>
      Object.keys((op.responses[status] as { headers?: object }).headers ?? {}).sort();
    assert.deepEqual(headers(async, '202'), ['Idempotent-Replayed', 'Location', 'RateLimit-Remaining']);
    assert.deepEqual(headers(sync, '503'), ['Retry-After']);
    assert.deepEqual(headers(async, '429'), ['Retry-After']);
  });

  test('the contract check refuses an answer the document does not allow (it is not vacuous)', async () => {
    const contract = await Contract.load(service.url);
    const json = { 'content-type': 'application/json; charset=utf-8' };
    const order = { order_id: 'o1', customer_id: 1, status: 'pending', items: [], total: 0, mode: 'async' };
    const base = { method: 'POST', route: '/orders/async', url: '/orders/async', headers: json };
    const accepted = { ...base, status: 202, body: JSON.stringify({ ...order, created_at: new Date().toISOString() }) };
    assert.deepEqual(contract.violations(accepted), []);
    assert.match(contract.violations({ ...accepted, body: JSON.stringify(order) }).join(), /created_at/);
    assert.match(contract.violations({ ...accepted, status: 500 }).join(), /not documented/);
    assert.match(
      contract
        .violations({
          ...base,
          status: 429,
          body: '{"error":"rate_limited","message":"x","retry_after_ms":5}',
          headers: { ...json, 'retry-after': '0' },
        })
        .join(),
      /Retry-After/,
    );
  });
});
