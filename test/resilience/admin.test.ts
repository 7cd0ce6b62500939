import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const TOKEN = 'test-admin-token-0123456789abcdef';

async function admin(
  service: TestService,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

type Stats = {
  workers: { target: number; paused: boolean };
  processing: { workers_set_by: string; paused_by_operator: boolean };
  queue: { visible: number; dead_letters: number };
};
const stats = async (service: TestService) => (await getJson<Stats>(`${service.url}/stats`)).body;

describe('admin API', () => {
  test('without a configured token it is disabled; read-only endpoints stay open', async () => {
    const service = await startTestService({ timeScale: 0.02 }, { dashboard: false });
    try {
      const r = await admin(service, 'PUT', '/admin/workers', { token: TOKEN, body: { count: 9 } });
      assert.equal(r.status, 403);
      assert.equal(r.body.error, 'admin_disabled');
      assert.equal((await stats(service)).workers.target, 1);
      assert.equal((await getJson(`${service.url}/stats`)).status, 200);
      assert.equal((await fetch(`${service.url}/metrics`)).status, 200);
    } finally {
      await service.stop();
    }
  });

  test('a missing or wrong token gets 401 and changes nothing; the right one sets workers, pauses and resumes', async () => {
    const service = await startTestService({ timeScale: 0.02, adminToken: TOKEN }, { dashboard: false });
    try {
      for (const token of [undefined, 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
        const r = await admin(service, 'PUT', '/admin/workers', { ...(token ? { token } : {}), body: { count: 9 } });
        assert.equal(r.status, 401, `token ${token}`);
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
        const p = await admin(service, 'POST', '/admin/processing/pause', token ? { token } : {});
        assert.equal(p.status, 401);
        assert.equal((await admin(service, 'GET', '/admin/dlq', token ? { token } : {})).status, 401);
      }
      let s = await stats(service);
      assert.equal(s.workers.target, 1);
      assert.equal(s.workers.paused, false);

      const set = await admin(service, 'PUT', '/admin/workers', { token: TOKEN, body: { count: 7 } });
      assert.equal(set.status, 200);
      s = await stats(service);
      assert.equal(s.workers.target, 7);
      assert.equal(s.processing.workers_set_by, 'operator');
      const bad = await admin(service, 'PUT', '/admin/workers', { token: TOKEN, body: { count: -1 } });
      assert.equal(bad.status, 400);

      assert.equal((await admin(service, 'POST', '/admin/processing/pause', { token: TOKEN })).status, 200);
      s = await stats(service);
      assert.equal(s.workers.paused, true);
      assert.equal(s.processing.paused_by_operator, true);
      const order = await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder());
      // Two payment times pass with nothing taken from the queue.
      await service.clock.sleep(2 * service.config.payment.latencyMs);
      assert.equal((await service.store.get(order.body.order_id))?.status, 'pending');
      assert.equal((await stats(service)).queue.visible, 1);

      assert.equal((await admin(service, 'POST', '/admin/processing/resume', { token: TOKEN })).status, 200);
      await waitFor(async () => (await service.store.get(order.body.order_id))?.status === 'completed', {
        message: 'the order completes once resumed',
      });
      assert.equal((await stats(service)).workers.paused, false);
    } finally {
      await service.stop();
    }
  });

  test('dead letters: list, show, redrive — the redriven orders complete', async () => {
    const service = await startTestService(
      {
        timeScale: 0.02,
        workers: 3,
        payment: { slots: 3, errorRate: 1 },
        queue: { maxReceiveCount: 2, retryDelayMs: 100 },
        breaker: { enabled: false },
        adminToken: TOKEN,
      },
      { dashboard: false },
    );
    try {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          (await postJson<{ order_id: string }>(`${service.url}/orders/async`, sampleOrder(1000 + i))).body.order_id,
        );
      }
      await waitFor(async () => (await stats(service)).queue.dead_letters === 3, { message: 'three dead letters' });
      assert.equal((await service.store.countByStatus()).failed, 3);

      const list = await admin(service, 'GET', '/admin/dlq', { token: TOKEN });
      assert.equal(list.status, 200);
      assert.equal(list.body.total, 3);
      const messages = list.body.messages as Array<{
        id: string;
        order_id: string;
        reason: string;
        order_status: string;
      }>;
      assert.deepEqual(messages.map((m) => m.order_id).sort(), [...ids].sort());
      assert.ok(messages.every((m) => m.order_status === 'failed' && /payment failed/.test(m.reason)));
      const first = messages[0];
      assert.ok(first);
      const shown = await admin(service, 'GET', `/admin/dlq/${first.id}`, { token: TOKEN });
      assert.equal(shown.status, 200);
      assert.equal((shown.body.order as { order_id: string }).order_id, first.order_id);
      assert.equal(typeof shown.body.body, 'string');
      assert.equal((await admin(service, 'GET', '/admin/dlq/999999', { token: TOKEN })).status, 404);

      assert.equal((await admin(service, 'POST', '/admin/dlq/redrive', { token: TOKEN, body: {} })).status, 400);
      assert.equal(
        (await admin(service, 'POST', '/admin/dlq/redrive', { token: 'nope', body: { all: true } })).status,
        401,
      );
      assert.equal((await stats(service)).queue.dead_letters, 3, 'a refused redrive moved nothing');

      service.gateway.configure({ errorRate: 0 });
      const one = await admin(service, 'POST', '/admin/dlq/redrive', {
        token: TOKEN,
        body: { ids: [first.id, '424242'] },
      });
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, { redriven: 1, reopened: [first.order_id], missing: ['424242'] });
      await waitFor(async () => (await service.store.get(first.order_id))?.status === 'completed', {
        message: 'the redriven order completes',
      });
      const rest = await admin(service, 'POST', '/admin/dlq/redrive', { token: TOKEN, body: { all: true } });
      assert.equal(rest.body.redriven, 2);
      await waitFor(async () => (await service.store.countByStatus()).completed === 3, { message: 'all complete' });
      assert.equal((await stats(service)).queue.dead_letters, 0);
      assert.equal(await service.ledger.count(), 3, 'each order charged once');
    } finally {
      await service.stop();
    }
  });
});

describe('per-client rate limit', () => {
  test('is off by default; when on, a client past its burst gets 429 with Retry-After, keyed by address or API key', async () => {
    const off = await startTestService({ timeScale: 0.02 }, { dashboard: false });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => postJson(`${off.url}/orders/async`, sampleOrder())),
      );
      assert.ok(answers.every((r) => r.status === 202));
    } finally {
      await off.stop();
    }
    // At time scale 1, so the bucket does not refill while the test sends.
    const service = await startTestService(
      { workers: 0, rateLimit: { perSecond: 0.5, burst: 3 } },
      { dashboard: false },
    );
    try {
      const url = `${service.url}/orders/async`;
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await postJson(url, sampleOrder())).status);
      assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
      const limited = await postJson<Record<string, unknown>>(url, sampleOrder());
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      // The sync route shares the client's bucket; another API key has its own.
      assert.equal((await postJson(`${service.url}/orders/sync`, sampleOrder())).status, 429);
      assert.equal((await postJson(url, sampleOrder(), { headers: { 'x-api-key': 'shop-7' } })).status, 202);
      assert.equal((await service.store.counts()).orders, 4, 'limited requests store nothing');
      const s = (await getJson<{ rate_limit: { limited: number } }>(`${service.url}/stats`)).body;
      assert.equal(s.rate_limit.limited, 4);
    } finally {
      await service.stop();
    }
  });
});
