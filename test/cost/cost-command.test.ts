import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { CommanderError } from 'commander';
import { costCommand } from '../../src/cli/cost.js';
import { CLI } from '../support/cli-command.js';

async function run(...args: string[]): Promise<string> {
  let out = '';
  const command = costCommand({ write: (text) => (out += text) }).exitOverride();
  command.configureOutput({ writeErr: () => {} });
  await command.parseAsync(args, { from: 'user' });
  return out;
}

describe('flashsale cost', () => {
  test("prints the study's example as a table: $17 of tasks against $0 of functions", async () => {
    const table = await run();
    assert.match(table, /^10,000 orders\/month, 3 s per order, 512 MB/);
    assert.match(table, /cost \/ month\s+\$17\.00\s+\$0\.00/);
    assert.match(table, /GB-seconds \/ month\s+15,000\s+\(400,000 free\)/);
    assert.match(table, /free tier: up to 266,666 orders\/month/);
    assert.match(table, /946,666 orders\/month/);
    assert.match(table, /functions are cheaper by \$17\.00/);
  });

  test('--json carries the same figures, prices from the flags', async () => {
    const json = JSON.parse(await run('--orders', '2e6', '--tasks-monthly', '50', '--json'));
    assert.equal(json.workload.ordersPerMonth, 2_000_000);
    assert.equal(json.tasks, 50);
    assert.equal(json.functions.billableRequests, 1_000_000);
    assert.equal(json.functions.billableGbSeconds, 2_600_000);
    assert.equal(json.cheaper, 'functions');
    assert.ok(json.breakEvenOrders > 2_000_000);
  });

  test('a break-even that never comes is null in JSON', async () => {
    const json = JSON.parse(await run('--request-price', '0', '--gb-second-price', '0', '--json'));
    assert.equal(json.breakEvenOrders, null);
    assert.equal(json.functions.total, 0);
  });

  test('rejects a bad number, naming the flag', async () => {
    await assert.rejects(run('--orders', 'many'), (error: unknown) => {
      assert.ok(error instanceof CommanderError);
      assert.match(error.message, /--orders <n>.*many.*expected a number/);
      return true;
    });
  });

  test('is registered in the flashsale CLI', () => {
    const result = spawnSync(process.execPath, [...CLI, 'cost', '--orders', '1_000_000'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^1,000,000 orders\/month/);
    assert.match(result.stdout, /tasks are cheaper/);
  });
});
