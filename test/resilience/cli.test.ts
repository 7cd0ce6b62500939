import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Command } from 'commander';
import type { Output } from '../../src/cli/admin-client.js';
import { dlqCommand } from '../../src/cli/dlq.js';
import { processingCommand } from '../../src/cli/processing.js';
import { workersCommand } from '../../src/cli/workers.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const TOKEN = 'cli-admin-token-0123456789abcdef';

/** Runs one command in-process and returns what it printed and its exit code. */
async function run(make: (io: Output) => Command, args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const command = make({ out: (t) => out.push(t), err: (t) => err.push(t) });
  command.exitOverride();
  process.exitCode = undefined;
  await command.parseAsync(args, { from: 'user' });
  const code = process.exitCode ?? 0;
  // The test process itself must not exit with the command's code.
  process.exitCode = undefined;
  return { out: out.join('\n'), err: err.join('\n'), code };
}

describe('flashsale dlq / workers / processing against a running server', () => {
  let service: TestService;
  let auth: string[];
  before(async () => {
    service = await startTestService(
      {
        timeScale: 0.02,
        workers: 2,
        payment: { slots: 2, errorRate: 1 },
        queue: { maxReceiveCount: 2, retryDelayMs: 100 },
        breaker: { enabled: false },
        adminToken: TOKEN,
      },
      { dashboard: false },
    );
    auth = ['--url', service.url, '--token', TOKEN];
    for (let i = 0; i < 2; i++) await postJson(`${service.url}/orders/async`, sampleOrder(1000 + i));
    await waitFor(async () => (await service.bus.depth(service.processor.queue)).deadLetters === 2, {
      message: 'two dead letters',
    });
  });
  after(async () => service.stop());

  test('dlq list, show and redrive', async () => {
    const list = await run(dlqCommand, ['list', ...auth]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^2 dead letter\(s\) in order-processing-queue/);
    assert.match(list.out, /ID\s+ORDER\s+STATUS\s+RECEIVES/);
    const json = JSON.parse((await run(dlqCommand, ['list', '--json', ...auth])).out) as {
      messages: Array<{ id: string; order_id: string }>;
    };
    const first = json.messages[0];
    assert.ok(first);
    const shown = await run(dlqCommand, ['show', first.id, ...auth]);
    assert.equal(JSON.parse(shown.out).order.order_id, first.order_id);

    const neither = await run(dlqCommand, ['redrive', ...auth]);
    assert.equal(neither.code, 2, 'a usage error');
    assert.match(neither.err, /ids or --all/);

    service.gateway.configure({ errorRate: 0 });
    const redrive = await run(dlqCommand, ['redrive', '--all', ...auth]);
    assert.equal(redrive.code, 0, redrive.err);
    assert.equal(redrive.out, 'redriven 2 message(s); reopened 2 failed order(s)');
    await waitFor(async () => (await service.store.countByStatus()).completed === 2, {
      message: 'redriven orders complete',
    });
  });

  test('workers set and processing pause / resume show in /stats', async () => {
    const set = await run(workersCommand, ['set', '5', ...auth]);
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /^workers set to 5/);
    const paused = await run(processingCommand, ['pause', ...auth]);
    assert.match(paused.out, /^processing paused/);
    let stats = (await getJson<{ workers: { target: number; paused: boolean } }>(`${service.url}/stats`)).body;
    assert.deepEqual([stats.workers.target, stats.workers.paused], [5, true]);
    assert.equal((await run(processingCommand, ['resume', ...auth])).out, 'processing resumed');
    stats = (await getJson<{ workers: { target: number; paused: boolean } }>(`${service.url}/stats`)).body;
    assert.equal(stats.workers.paused, false);
    const bad = await run(workersCommand, ['set', 'many', ...auth]);
    assert.equal(bad.code, 2, 'a usage error');
    assert.match(bad.err, /whole number/);
  });

  test('clear errors: wrong token, no token, no server', async () => {
    const wrong = await run(workersCommand, ['set', '9', '--url', service.url, '--token', 'not-the-token']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.err, /refused the admin token \(401\)/);
    assert.notEqual(service.processor.stats().target, 9);

    const saved = process.env.FLASHSALE_ADMIN_TOKEN;
    delete process.env.FLASHSALE_ADMIN_TOKEN;
    try {
      const none = await run(dlqCommand, ['list', '--url', service.url]);
      assert.match(none.err, /no admin token/);
      assert.equal(none.code, 2, 'nothing was sent: a usage error');
    } finally {
      if (saved !== undefined) process.env.FLASHSALE_ADMIN_TOKEN = saved;
    }

    // A port nothing listens on: the server's own, once it is closed, is not available here; a fresh one is.
    const gone = await startTestService({ timeScale: 0.02 }, { dashboard: false });
    const url = gone.url;
    await gone.stop();
    const down = await run(processingCommand, ['pause', '--url', url, '--token', TOKEN]);
    assert.equal(down.code, 1);
    assert.match(down.err, /cannot reach the server at http:\/\/127\.0\.0\.1:\d+/);

    const disabled = await startTestService({ timeScale: 0.02 }, { dashboard: false });
    try {
      const off = await run(processingCommand, ['pause', '--url', disabled.url, '--token', TOKEN]);
      assert.match(off.err, /admin API is disabled/);
    } finally {
      await disabled.stop();
    }
  });
});
