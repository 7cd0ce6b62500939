import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FAULT_NAMES } from '../../scripts/chaos/faults.js';
import { runChaos, SHORT_OPTIONS } from '../../scripts/chaos/run.js';
import { deathInOneLine } from '../../scripts/chaos/supervised.js';
import { formatReport } from '../../scripts/chaos/table.js';
import type { ChaosRow } from '../../scripts/chaos/verdict.js';
import { probePostgres } from '../support/postgres.js';

const probe = await probePostgres();

/** Everything a row shows that issue #10 forbids, in words. */
function problems(row: ChaosRow): string[] {
  const found: string[] = [];
  if (row.lost > 0) found.push(`${row.lost} orders lost`);
  if (row.chargedTwice > 0) found.push(`${row.chargedTwice} orders charged twice`);
  if (row.chargeMismatch > 0) found.push(`${row.chargeMismatch} orders whose status disagrees with the ledger`);
  if (row.stuck > 0) found.push(`${row.stuck} orders stuck`);
  for (const d of row.died) found.push(deathInOneLine(d));
  for (const s of row.serverErrorSamples) found.push(`5xx other than 503: ${s}`);
  for (const s of row.noAnswerSamples) found.push(`no answer: ${s}`);
  if ((row.unhandledRejections ?? 0) > 0) found.push(`${row.unhandledRejections} unhandled rejections`);
  return found.map((p) => `${row.fault}: ${p}`);
}

/**
 * The faults no other test file covers: PostgreSQL's (terminated connections, refused
 * connections) run in postgres-faults.test.ts, SQS unreachable and its own `none` row in
 * test/scale-out and chaos-command.test.ts. `npm run chaos` runs them all.
 */
const CI_FAULTS = FAULT_NAMES.filter((fault) => !['none', 'pg-terminate', 'pg-refuse', 'sqs-down'].includes(fault));

describe('npm run chaos, shortened for CI', { skip: probe.skip }, () => {
  test('the processes killed and the gateway down in turn: nothing lost, charged twice or stuck, no process died, no 5xx but 503', async () => {
    const report = await runChaos({
      ...SHORT_OPTIONS,
      faults: CI_FAULTS,
      progress: (line) => console.log(`# ${line}`),
    });
    console.log(
      formatReport(report)
        .split('\n')
        .map((line) => `# ${line}`)
        .join('\n'),
    );
    assert.equal(report.rows.length, CI_FAULTS.length);
    assert.ok(report.accepted > 100, `only ${report.accepted} orders were accepted`);
    assert.deepEqual(report.rows.flatMap(problems), []);
    assert.equal(report.ledgerDuplicates, 0);
    // Every order reserved its units at intake; through the kills, each sold or released them once.
    assert.equal(report.stock?.clean, true, report.stock?.drift.join('; '));
    // Each 202'd order is in the audit (a kill may also leave one stored whose 202 was never sent).
    assert.ok((report.stock?.orders ?? 0) >= report.accepted, JSON.stringify(report.stock));
    // Each fault met a load, and orders were accepted and paid again after it.
    for (const row of report.rows) {
      assert.ok(row.during.requests > 0, `${row.fault}: no orders were sent during the fault`);
      assert.ok(row.recovery.seconds !== null, `${row.fault}: no order was accepted and paid after the fault`);
    }
    rmSync(report.logDir, { recursive: true, force: true });
  });
});
