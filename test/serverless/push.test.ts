import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configFromCli } from '../../src/cli/service-flags.js';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import type { Order } from '../../src/core/order.js';
import { startNode } from '../../src/service/node.js';
import { startService } from '../../src/service/service.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, tempDir, waitFor } from '../support/service.js';

interface PushSection {
  concurrency: number;
  retries: number;
  failure_destination: boolean;
  in_flight: number;
  invocations: number;
  delivered: number;
  retried: number;
  dropped: number;
  sent_to_failure_destination: number;
  completed: number;
  failed: number;
}

interface Stats {
  push?: PushSection;
  workers?: unknown;
  queue: { visible: number; in_flight: number; dead_letters: number };
  payments: { executed: number; errors: number };
  e2e_ms: { count: number };
}

const stats = async (service: TestService) => (await getJson<Stats>(`${service.url}/stats`)).body;
const push = async (service: TestService) => {
  const section = (await stats(service)).push;
  assert.ok(section, '/stats has a push section');
  return section;
};
const orderStatus = async (service: TestService, id: string) =>
  (await getJson<Order>(`${service.url}/orders/${id}`)).body.status;

/**
 * 1 simulated second = 1 real ms: the 1- and 2-minute retry delays take 60 and 120 ms. The visibility
 * timeout is raised from 30 to 5 real seconds: a 30 ms window is shorter than a loaded machine's event-loop
 * lag, which would let a message reappear while its invocation runs (both would then be counted).
 */
const FAST = { timeScale: 0.001, breaker: { enabled: false }, queue: { visibilityTimeoutMs: 5_000_000 } } as const;

describe('push mode: topic messages go straight to the serverless handler', () => {
  test('a normal order completes with no queue workers running, after its 202; /stats shows it delivered', async () => {
    const service = await startTestService({ ...FAST, processor: 'push', payment: { latencyMs: 300_000 } });
    try {
      const accepted = await postJson<Order>(`${service.url}/orders/async`, sampleOrder(2001));
      assert.equal(accepted.status, 202);
      assert.equal(accepted.body.status, 'pending');
      // The payment takes 300 ms: the 202 did not wait for the delivery.
      assert.notEqual(await orderStatus(service, accepted.body.order_id), 'completed');
      await waitFor(async () => (await orderStatus(service, accepted.body.order_id)) === 'completed', {
        message: 'the pushed order completes',
      });
      const s = await waitFor(async () => {
        const current = await stats(service);
        return current.push?.delivered === 1 ? current : undefined;
      });
      assert.deepEqual(
        { ...s.push },
        {
          concurrency: 1000,
          retries: 2,
          failure_destination: false,
          in_flight: 0,
          invocations: 1,
          delivered: 1,
          retried: 0,
          dropped: 0,
          sent_to_failure_destination: 0,
          completed: 1,
          failed: 0,
        },
      );
      assert.equal(s.workers, undefined, 'no worker pool in push mode');
      assert.equal(service.processor, undefined, 'push mode builds no queue workers');
      assert.equal(s.payments.executed, 1);
      assert.equal(s.e2e_ms.count, 1);
      assert.deepEqual([s.queue.visible, s.queue.in_flight, s.queue.dead_letters], [0, 0, 0]);
    } finally {
      await service.stop();
    }
  });

  test('a handler that keeps failing is tried three times, 1 and 2 scaled minutes apart, then dropped', async () => {
    const service = await startTestService({ ...FAST, processor: 'push', payment: { errorRate: 1 } });
    try {
      const started = performance.now();
      const accepted = await postJson<Order>(`${service.url}/orders/async`, sampleOrder(2002));
      const section = await waitFor(async () => {
        const current = await push(service);
        return current.dropped === 1 ? current : undefined;
      });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 180, `retries waited 60 + 120 ms, took ${elapsed.toFixed(0)} ms`);
      assert.equal(section.invocations, 3);
      assert.equal(section.retried, 2);
      assert.equal(section.delivered, 0);
      assert.equal(section.sent_to_failure_destination, 0);
      assert.equal(section.in_flight, 0);
      const s = await stats(service);
      assert.equal(s.payments.errors, 3, 'three payment attempts');
      assert.deepEqual([s.queue.visible, s.queue.in_flight, s.queue.dead_letters], [0, 0, 0], 'the message is gone');
      // As in the study: the order is left where its last attempt stopped, with no message to finish it.
      assert.equal(await orderStatus(service, accepted.body.order_id), 'processing');
      assert.equal(await service.ledger.find(accepted.body.order_id), undefined);
    } finally {
      await service.stop();
    }
  });

  test('with a failure destination the message is kept as a dead letter; redriven, it is paid once', async () => {
    const service = await startTestService({
      ...FAST,
      processor: 'push',
      payment: { errorRate: 1 },
      push: { failureDestination: true, retries: 1, retryDelayMs: 10_000 },
    });
    try {
      const accepted = await postJson<Order>(`${service.url}/orders/async`, sampleOrder(2003));
      const orderId = accepted.body.order_id;
      await waitFor(async () => (await push(service)).sent_to_failure_destination === 1);
      const s = await stats(service);
      assert.deepEqual(
        [s.push?.invocations, s.push?.retried, s.push?.dropped, s.payments.errors, s.queue.dead_letters],
        [2, 1, 0, 2, 1],
      );
      const [letter] = await service.bus.listDeadLetters(service.config.queue.name);
      assert.match(letter?.reason ?? '', /invocation failed 2 times: message \d+: payment provider error for order /);

      service.gateway.configure({ errorRate: 0 });
      assert.ok(service.resilience.deadLetters);
      assert.equal((await service.resilience.deadLetters.redrive()).redriven, 1);
      await waitFor(async () => (await push(service)).delivered === 1, {
        message: 'the redriven message is delivered',
      });
      assert.equal(await orderStatus(service, orderId), 'completed');
      const after = await stats(service);
      assert.equal(after.payments.executed, 1);
      assert.equal(after.queue.dead_letters, 0);
    } finally {
      await service.stop();
    }
  });

  for (const [concurrency, peakWanted] of [
    [3, 3],
    [0, 8],
  ] as const) {
    test(`push concurrency ${concurrency || 'unlimited'}: 8 orders, at most ${peakWanted} invocations at once`, async () => {
      const service = await startTestService({
        ...FAST,
        processor: 'push',
        push: { concurrency },
        payment: { latencyMs: 500_000, slots: 0 },
      });
      try {
        const ids = await Promise.all(
          Array.from({ length: 8 }, async (_, i) => {
            const accepted = await postJson<Order>(`${service.url}/orders/async`, sampleOrder(2100 + i));
            return accepted.body.order_id;
          }),
        );
        let peak = 0;
        await waitFor(
          async () => {
            peak = Math.max(peak, service.push?.dispatcher.stats().inFlight ?? 0);
            return service.push?.dispatcher.stats().delivered === ids.length;
          },
          { intervalMs: 5, message: 'all 8 orders delivered' },
        );
        assert.equal(peak, peakWanted);
        assert.equal((await service.store.countByStatus()).completed, ids.length);
      } finally {
        await service.stop();
      }
    });
  }

  test('messages accepted while nothing delivers them are pushed once push mode starts', async () => {
    const { dir, cleanup } = tempDir();
    const base = { ...FAST, host: '127.0.0.1', port: 0, dbPath: join(dir, 'f.db'), logLevel: 'silent' } as const;
    const settings = { ...base, shutdownGraceMs: 1000 };
    try {
      const accepting = await startService({ ...settings, workers: 0 }, { dashboard: false });
      const accepted = await postJson<Order>(`${accepting.url}/orders/async`, sampleOrder(2200));
      await accepting.close();

      const pushing = await startService({ ...settings, processor: 'push' }, { dashboard: false });
      try {
        await waitFor(() => pushing.push?.dispatcher.stats().delivered === 1, { message: 'delivered on start' });
        assert.equal((await pushing.store.get(accepted.body.order_id))?.status, 'completed');
      } finally {
        await pushing.close();
      }
    } finally {
      cleanup();
    }
  });
});

describe('push mode in a scaled-out deployment', () => {
  test('flashsale worker --processor push pays what flashsale api accepted, with no worker pool', async () => {
    const { dir, cleanup } = tempDir();
    const base = {
      ...FAST,
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir, 'f.db'),
      logLevel: 'silent',
      shutdownGraceMs: 1000,
    } as const;
    const api = await startNode('api', base, { dashboard: false });
    const worker = await startNode('worker', { ...base, processor: 'push' }, { dashboard: false });
    try {
      assert.equal(worker.processor, undefined);
      const accepted = await postJson<Order>(`${api.url}/orders/async`, sampleOrder(2300));
      await waitFor(() => worker.push?.dispatcher.stats().delivered === 1, { message: 'the worker pushes it' });
      assert.equal((await getJson<Order>(`${api.url}/orders/${accepted.body.order_id}`)).body.status, 'completed');
      const s = (await getJson<Stats>(`${worker.url}/stats`)).body;
      assert.equal(s.push?.completed, 1);
      assert.equal(s.workers, undefined);
    } finally {
      await worker.close();
      await api.close();
      cleanup();
    }
  });
});

describe('push mode settings', () => {
  test('flags and environment set the processor and the push options', () => {
    const fromFlags = configFromCli(
      {
        processor: 'push',
        pushConcurrency: '0',
        pushRetries: '1',
        pushRetryDelay: '500',
        pushFailureDestination: true,
      },
      {},
    );
    assert.equal(fromFlags.processor, 'push');
    assert.deepEqual(fromFlags.push, { concurrency: 0, retries: 1, retryDelayMs: 500, failureDestination: true });
    const fromEnv = resolveConfig(
      configFromEnv({
        FLASHSALE_PROCESSOR: 'push',
        FLASHSALE_PUSH_CONCURRENCY: '50',
        FLASHSALE_PUSH_RETRIES: '0',
        FLASHSALE_PUSH_RETRY_DELAY_MS: '1000',
        FLASHSALE_PUSH_FAILURE_DESTINATION: 'true',
      }),
    );
    assert.deepEqual(fromEnv.push, { concurrency: 50, retries: 0, retryDelayMs: 1000, failureDestination: true });
    const defaults = resolveConfig();
    assert.equal(defaults.processor, 'queue');
    assert.deepEqual(defaults.push, { concurrency: 1000, retries: 2, retryDelayMs: 60_000, failureDestination: false });
  });

  test('bad settings fail at start, naming the setting', () => {
    assert.throws(() => configFromCli({ processor: 'lambda' }, {}), /processor: must be queue or push, got "lambda"/);
    assert.throws(() => configFromCli({ pushRetries: '-1' }, {}), /--push-retries: must be ≥ 0/);
    assert.throws(
      () => resolveConfig(configFromEnv({ FLASHSALE_PUSH_FAILURE_DESTINATION: 'maybe' })),
      /FLASHSALE_PUSH_FAILURE_DESTINATION: must be true or false/,
    );
    assert.throws(
      () => configFromCli({ processor: 'push', pushRetries: '5', maxReceiveCount: '5' }, {}),
      /push\.retries: must be below queue\.maxReceiveCount \(5\)/,
    );
  });
});
