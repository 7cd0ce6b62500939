import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { probePostgres } from '../support/postgres.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm run chaos -- ARGS`, as tsx runs it. */
function chaos(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('the chaos command', () => {
  test('a bad option exits 2 naming it, before starting anything', () => {
    const unknown = chaos(['--faults', 'kill-api,unplug-router']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown fault "unplug-router"/);
    const rate = chaos(['--rate', 'fast']);
    assert.equal(rate.status, 2);
    assert.match(rate.stderr, /--rate must be a number > 0, got "fast"/);
  });

  test('--json prints the report of the run and exits 0 when every row is clean', async (t) => {
    const probe = await probePostgres();
    if (probe.skip) return t.skip(probe.skip);
    const run = chaos(['--short', '--faults', 'none', '--json']);
    const report = JSON.parse(run.stdout) as {
      rows: Array<{ fault: string; lost: number; stuck: number; accepted: number }>;
      failed: boolean;
      logDir: string;
      stock: { clean: boolean; drift: string[]; orders: number };
      accepted: number;
    };
    rmSync(report.logDir, { recursive: true, force: true });
    assert.equal(report.rows.length, 1);
    assert.equal(report.rows[0]?.fault, 'none');
    assert.ok((report.rows[0]?.accepted ?? 0) > 0);
    // Every accepted order reserved its unit at intake, and the audit found each in its place.
    assert.equal(report.stock.clean, true, report.stock.drift.join('; '));
    assert.ok(report.accepted > 0 && report.stock.orders >= report.accepted, JSON.stringify(report.stock));
    assert.equal(report.failed, false, run.stdout);
    assert.equal(run.status, 0, run.stderr);
  });
});
