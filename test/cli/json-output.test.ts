/**
 * `--json` prints one parseable JSON document on stdout, nothing else, in every
 * command that has the flag — found by walking the real command tree, so a new
 * command with --json fails here until it is covered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { flashsale } from '../loadtest/support/cli.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { startTestService, type TestService, waitFor } from '../support/service.js';

const TOKEN = 'json-admin-token-0123456789abcdef';

/** `dlq list`, `cost`, …: every command that takes --json. */
function commandsWithJson(command: Command, path: string[] = []): string[] {
  const here = command.options.some((o) => o.long === '--json') ? [path.join(' ')] : [];
  return [...here, ...command.commands.flatMap((sub) => commandsWithJson(sub, [...path, sub.name()]))];
}

let service: TestService;
let deadLetterId: string;
before(async () => {
  // Every payment declined, two receives: dead letters for dlq list, show and redrive.
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
  await postJson(`${service.url}/orders/async`, sampleOrder(1001));
  deadLetterId = await waitFor(async () => (await service.bus.listDeadLetters(service.processor.queue, 1))[0]?.id, {
    message: 'a dead letter',
  });
});
after(async () => service.stop());

test('--json prints parseable JSON on stdout for every command that has it', async () => {
  const auth = ['--url', service.url, '--token', TOKEN, '--json'];
  const invocations: Record<string, string[]> = {
    analyze: ['analyze', '--json'],
    cost: ['cost', '--orders', '216000', '--json'],
    loadtest: [
      'loadtest',
      '--host',
      service.url,
      '--endpoint',
      'async',
      '--users',
      '2',
      '--run-time',
      '10s',
      '--track',
      '0',
      '--no-save',
      '--json',
    ],
    'dlq list': ['dlq', 'list', ...auth],
    'dlq show': ['dlq', 'show', deadLetterId, ...auth],
    'dlq redrive': ['dlq', 'redrive', '--all', ...auth],
    'workers set': ['workers', 'set', '3', ...auth],
    'workers autoscale': ['workers', 'autoscale', 'off', ...auth],
    'processing pause': ['processing', 'pause', ...auth],
    'processing resume': ['processing', 'resume', ...auth],
    'products set': ['products', 'set', 'JSON-1', '--price', '1.5', '--stock', '5', ...auth],
    'products list': ['products', 'list', ...auth],
    'products show': ['products', 'show', 'JSON-1', ...auth],
    'products restock': ['products', 'restock', 'JSON-1', '5', ...auth],
    'products audit': ['products', 'audit', ...auth],
    'products delete': ['products', 'delete', 'JSON-1', ...auth],
  };
  assert.deepEqual(Object.keys(invocations).sort(), commandsWithJson(buildProgram()).sort());

  // One at a time: pause before resume, show before redrive.
  for (const [name, args] of Object.entries(invocations)) {
    const run = await flashsale(args);
    assert.equal(run.code, 0, `${name}: exit ${run.code}\n${run.stderr}`);
    let json: unknown;
    assert.doesNotThrow(
      () => {
        json = JSON.parse(run.stdout);
      },
      `${name} printed something other than one JSON document:\n${run.stdout.slice(0, 300)}`,
    );
    assert.equal(typeof json, 'object', name);
    assert.notEqual(json, null, name);
  }
});
