import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Contract, type Exchange, exchange, recordExchanges } from '../support/contract.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const TOKEN = 'contract-test-admin-token';

/**
 * Drives every answer the document lists — success, each error status, the
 * guards' refusals, the admin API's — and checks each against the document.
 */
describe('every kind of answer matches the OpenAPI document', () => {
  const services: TestService[] = [];
  after(async () => {
    for (const service of services) await service.stop();
  });

  async function start(overrides: Parameters<typeof startTestService>[0]) {
    const recorder = recordExchanges();
    const service = await startTestService(overrides, { plugins: [recorder.plugin], dashboard: false });
    services.push(service);
    return { service, exchanges: recorder.exchanges };
  }

  /** Asserts the statuses seen, then that each answer matches the document. */
  async function check(service: TestService, exchanges: Exchange[], statuses: number[]) {
    const seen = new Set(exchanges.map((e) => e.status));
    for (const status of statuses) assert.ok(seen.has(status), `a ${status} was answered (seen ${[...seen]})`);
    (await Contract.load(service.url)).assertAll(exchanges);
  }

  test('orders, ops routes and client mistakes', async () => {
    const { service, exchanges } = await start({
      timeScale: 0.001,
      workers: 2,
      rateLimit: { perSecond: 0.001, burst: 3 },
    });
    const { url } = service;
    const accepted = await postJson<{ order_id: string }>(`${url}/orders/async`, sampleOrder(), {
      headers: { 'idempotency-key': 'contract-1', 'x-api-key': 'client-a' },
    });
    assert.equal(accepted.status, 202);
    assert.equal(accepted.headers.get('location'), `/orders/${accepted.body.order_id}`);
    const replay = await postJson(`${url}/orders/async`, sampleOrder(), {
      headers: { 'idempotency-key': 'contract-1', 'x-api-key': 'client-a' },
    });
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const paid = await postJson(`${url}/orders/sync`, sampleOrder(), { headers: { 'x-api-key': 'client-b' } });
    assert.equal(paid.status, 200);
    const limited = await Promise.all(
      Array.from({ length: 6 }, () =>
        postJson(`${url}/orders/async`, sampleOrder(), { headers: { 'x-api-key': 'c' } }),
      ),
    );
    const refused = limited.find((r) => r.status === 429);
    assert.ok(refused?.headers.get('retry-after'), 'a 429 says when to retry');
    await postJson(`${url}/orders/sync`, sampleOrder(), { headers: { 'x-api-key': 'd', 'x-deadline-ms': 'soon' } });
    await postJson(`${url}/orders/async`, sampleOrder(), {
      headers: { 'x-api-key': 'e', 'idempotency-key': 'contract-1' },
      raw: JSON.stringify(sampleOrder(99)),
    });
    await fetch(`${url}/orders/async`, { method: 'POST', headers: { 'content-type': 'text/csv', 'x-api-key': 'f' } });
    await waitFor(async () => (await service.store.get(accepted.body.order_id))?.status === 'completed');
    for (const path of [
      `/orders/${accepted.body.order_id}`,
      `/orders/${accepted.body.order_id}/notifications`,
      '/orders/nope',
      `/orders/${'x'.repeat(65)}`,
      '/health',
      '/ready',
      '/stats',
      '/metrics',
      '/orders',
    ]) {
      await fetch(`${url}${path}`);
    }
    // Unmatched routes answer from the not-found handler, which the recorder does not see: asked from outside.
    const unmatched = [
      await exchange(url, '/orders/async', { method: 'DELETE' }),
      await exchange(url, '/nowhere', { method: 'DELETE' }),
    ];
    assert.deepEqual(
      unmatched.map((e) => e.status),
      [405, 404],
    );
    assert.match(unmatched[0]?.headers.allow ?? '', /POST/);
    await check(service, [...exchanges, ...unmatched], [200, 202, 400, 404, 405, 415, 422, 429]);
  });

  test('declined and failed payments, admission control and the open breaker', async () => {
    const { service, exchanges } = await start({
      timeScale: 0.01,
      payment: { declineRate: 1, slots: 1 },
      // Open for 10 simulated minutes (6 real s): the probe cannot come before the next request on a busy machine.
      breaker: { threshold: 2, halfOpenAfterMs: 600_000 },
    });
    const { url } = service;
    assert.equal((await postJson(`${url}/orders/sync`, sampleOrder())).status, 402);
    // One payment under way and one waiting: a 1 ms deadline cannot be met.
    const slow = [postJson(`${url}/orders/sync`, sampleOrder()), postJson(`${url}/orders/sync`, sampleOrder())];
    await waitFor(() => service.gateway.stats().inFlight === 1);
    const overloaded = await postJson(`${url}/orders/sync`, sampleOrder(), { headers: { 'x-deadline-ms': '1' } });
    assert.equal(overloaded.status, 503);
    assert.equal((overloaded.body as { error: string }).error, 'overloaded');
    await Promise.all(slow);
    service.gateway.configure({ declineRate: 0, errorRate: 1 });
    for (let i = 0; i < 3; i++) await postJson(`${url}/orders/sync`, sampleOrder());
    const open = await postJson<{ error: string; breaker: string }>(`${url}/orders/sync`, sampleOrder());
    assert.equal(open.status, 503);
    assert.equal(open.body.breaker, 'open');
    await check(service, exchanges, [402, 502, 503]);
  });

  test('the admin API: without a token, with a wrong one, and on what this process has', async () => {
    const { service, exchanges } = await start({ timeScale: 0.01, adminToken: TOKEN });
    const admin = (method: string, path: string, body?: unknown, token = TOKEN) =>
      fetch(`${service.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    await admin('GET', '/admin/dlq', undefined, 'wrong-token');
    await admin('GET', '/admin/dlq?limit=5');
    await admin('GET', '/admin/dlq?limit=zero');
    await admin('GET', '/admin/dlq/none');
    await admin('POST', '/admin/dlq/redrive', { all: true });
    await admin('POST', '/admin/dlq/redrive', {});
    await admin('PUT', '/admin/workers', { count: 3 });
    await admin('POST', '/admin/processing/pause');
    await admin('POST', '/admin/processing/resume');
    await admin('PUT', '/admin/autoscaler', { enabled: false });
    const off = await start({ timeScale: 0.01 });
    await fetch(`${off.service.url}/admin/dlq`, { headers: { authorization: 'Bearer x' } });
    await check(service, exchanges, [200, 400, 401, 404]);
    await check(off.service, off.exchanges, [403]);
  });
});
