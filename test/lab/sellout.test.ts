/**
 * The lab's sellout phase at time scale 0.2: 1,000 units of FLASH-001 sold to
 * 60 buyers/s with 10 % of payments declined. The checks need the reservation
 * at intake and the release on decline (the SQLite store): without them no
 * unit is ever counted and the phase reports ✗.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Figure, LabResult, PhaseResult } from '../../src/lab/results.js';
import { runLab } from '../../src/lab/run-lab.js';
import { tempDir } from '../support/service.js';

function figure(p: PhaseResult, name: string): Figure {
  const found = p.figures.find((f) => f.name.startsWith(name));
  assert.ok(found, `${p.id} reports "${name}"`);
  return found;
}

describe('flashsale lab --phases sellout', () => {
  const out = tempDir('flashsale-lab-sellout-');
  let result: LabResult;
  let phase: PhaseResult;

  before(async () => {
    ({ result } = await runLab({
      timeScale: 0.2,
      phases: ['stock'],
      out: out.dir,
      warmUpRequests: 300,
      command: 'flashsale lab (test)',
    }));
    const found = result.phases.find((p) => p.id === 'sellout');
    assert.ok(found, 'the stock group runs the sellout phase');
    phase = found;
  });
  after(() => out.cleanup());

  test('exactly the stock is sold, none oversold, the invariant held in every reading and the audit is clean', () => {
    for (const name of ['units sold', 'units oversold', 'readings breaking the invariant', 'audit drift']) {
      assert.equal(figure(phase, name).verdict, 'ok', `${name}: ${JSON.stringify(figure(phase, name))}`);
    }
    assert.equal(figure(phase, 'units sold').measured, 1000);
    assert.equal(figure(phase, 'units oversold').measured, 0);
    assert.equal(figure(phase, 'answers neither 202 nor 409 sold_out').measured, 0);
    const readings = phase.series.filter((p) => p.stock?.['FLASH-001']);
    assert.ok(readings.length > 20, `${readings.length} readings of the stock`);
    assert.deepEqual(readings.at(-1)?.stock?.['FLASH-001'], { initial: 1000, available: 0, reserved: 0, sold: 1000 });
  });

  test('declined units are sold again: about stock ÷ 0.9 orders accepted, and every other buyer told sold out', () => {
    const accepted = figure(phase, 'orders accepted').measured ?? 0;
    const declined = figure(phase, 'payments declined').measured ?? 0;
    assert.equal(accepted - declined, 1000, `${accepted} accepted − ${declined} declined`);
    assert.ok(declined > 50 && declined < 200, `${declined} declined of ${accepted}`);
    assert.ok((figure(phase, 'answers sold out').measured ?? 0) > 0);
    const moment = figure(phase, 'sold out (first reading').measured ?? 0;
    // 1,000 units at 60/s: no sooner than 16.7 s.
    assert.ok(moment >= 16, `sold out at ${moment} s`);
    assert.ok(phase.load && phase.load.requests === phase.load.requests - phase.load.failures, 'no failed request');
  });

  test('the report has the section, the stock chart with the sold-out moment, and the checks', () => {
    const md = readFileSync(join(out.dir, 'lab-report.md'), 'utf8');
    assert.match(md, /## Limited stock: sold out, never oversold/);
    assert.match(md, /\| units sold \(sold = stock\) \| 1,000 \| 1,000 \|.*✓ \|/);
    assert.match(md, /lab-report-charts\/sellout-stock\.svg/);
    const svg = readFileSync(join(out.dir, 'lab-report-charts', 'sellout-stock.svg'), 'utf8');
    assert.match(svg, /sold out at \d+(\.\d)? s/);
    assert.ok(existsSync(join(out.dir, 'phases', 'sellout-loadtest.json')));
    const csv = readFileSync(join(out.dir, 'phases', 'sellout-queue.csv'), 'utf8').split('\n');
    assert.match(csv[0] ?? '', /,FLASH-001_available,FLASH-001_reserved,FLASH-001_sold$/);
  });
});
