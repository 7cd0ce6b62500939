/** `flashsale lab --deployment study`, shortened: one run of each of the seed's two runs at time scale 0.2. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LAB_DEFAULTS } from '../../src/lab/options.js';
import type { LabResult, PhaseResult } from '../../src/lab/results.js';
import { runLab } from '../../src/lab/run-lab.js';
import type { StudyComparison } from '../../src/lab/study-figures.js';
import { SCENARIOS } from '../../src/loadtest/index.js';
import { CLI } from '../support/cli-command.js';
import { tempDir } from '../support/service.js';

const SCALE = 0.2;
const root = join(import.meta.dirname, '..', '..');

function study(result: LabResult, id: string): PhaseResult & { study: StudyComparison } {
  const found = result.phases.find((p) => p.id === id);
  assert.ok(found?.study, `phase ${id} ran as the study's deployment`);
  return found as PhaseResult & { study: StudyComparison };
}

const row = (phase: { study: StudyComparison }, key: string) => {
  const found = phase.study.rows.find((r) => r.key === key);
  assert.ok(found, `row ${key}`);
  return found;
};

describe('flashsale lab --deployment study, shortened', () => {
  const out = tempDir('flashsale-study-test-');
  let result: LabResult;

  before(async () => {
    ({ result } = await runLab({
      deployment: 'study',
      timeScale: SCALE,
      phases: ['study-normal', 'study-flash'],
      repeat: 1,
      out: out.dir,
      warmUpRequests: 200,
      command: 'flashsale lab (study test)',
    }));
  });
  after(() => out.cleanup());

  test('the flash sale succeeds exactly as often as two slots allow in the first 10 s', () => {
    const flash = study(result, 'study-flash');
    const timeoutMs = SCENARIOS.flash!.timeoutMs;
    // Each task's line fills at once and only grows: its slot finishes ⌊timeout ÷ payment⌋ of its first requests in time.
    const expected = flash.study.tasks * Math.floor(timeoutMs / result.paymentLatencyMs);
    assert.equal(flash.study.tasks, LAB_DEFAULTS.studyTasks);
    assert.deepEqual(row(flash, 'successes').runs, [expected]);
    const median = row(flash, 'medianMs').runs[0]!;
    assert.ok(median >= timeoutMs && median <= timeoutMs * 1.02, `median ${median} ms, at the ${timeoutMs} ms timeout`);
    // The held payments are real: abandoned requests were still in the tasks' lines when the load stopped.
    assert.ok(flash.study.repeats[0]!.heldAtEnd > 10, `${flash.study.repeats[0]!.heldAtEnd} held`);
    assert.equal(flash.study.repeats[0]!.perTask.length, 2, 'requests went to both tasks');
    for (const key of ['requests', 'failures', 'successes']) {
      assert.equal(row(flash, key).within, true, `${key} within ±15 % of the seed`);
    }
  });

  test('the normal run reports the seed beside the lab and the model', () => {
    const normal = study(result, 'study-normal');
    const requests = row(normal, 'requests');
    assert.equal(requests.seed, 18);
    assert.ok(
      Math.abs(requests.mean / requests.model - 1) <= 0.15,
      `${requests.mean} requests, model ${requests.model}`,
    );
    assert.equal(row(normal, 'failures').model, 0, 'round robin alone gives no timeout');
    const random = normal.study.imbalances?.randomBalancer;
    assert.ok(random && random.failuresMean > 0, 'a random balancer makes timeouts');
  });

  test('the report puts the seed’s table beside the lab’s, with the deviation of each row', () => {
    const md = readFileSync(join(out.dir, 'lab-report.md'), 'utf8');
    assert.match(md, /## Seed vs lab: the study’s deployment/);
    assert.match(md, /\*\*Goal\*\* .*— \*\*(met|not met)\*\*/);
    const header =
      '| figure | seed | model | lab, mean of 1 | lab runs, min–max | deviation (lab ÷ seed − 1) | within ±15 % |';
    assert.equal(md.split(header).length - 1, 2, 'one comparison table per run');
    // The seed's figures, row for row, each with a deviation.
    for (const line of [
      /\| requests \| 18 \| [\d.]+ \| [\d.]+ \| [^|]+ \| [+−]?[\d.]+ % \|/,
      /\| failures \| 6 \| /,
      /\| median response \| 4,100 ms \| /,
      /\| \*\*requests\*\* \| 45 \| [\d.]+ \| [\d.]+ \| [^|]+ \| [+−]?[\d.]+ % \| [✓✗]/,
      /\| \*\*failures\*\* \| 39 \| /,
      /\| \*\*successful orders\*\* \| 6 \| /,
      /\| average response \| 9,521 ms \| /,
      /\| requests per second \| 1\.520 \/s \| /,
    ]) {
      assert.match(md, line);
    }
    assert.match(md, /\| run \| seed \| requests \| failures \| successful \|/);
    assert.match(md, /is not determined by the published figures/);
    const html = readFileSync(join(out.dir, 'lab-report.html'), 'utf8');
    assert.match(html, /Seed vs lab/);
    assert.ok(existsSync(join(out.dir, 'phases', 'study-flash-run1-loadtest.json')), 'each run’s results saved');
  });

  test('the CLI refuses a study option without the study deployment, and a phase the deployment lacks', () => {
    const lab = (...args: string[]) =>
      spawnSync(process.execPath, [...CLI, 'lab', ...args, '-o', join(out.dir, 'x')], {
        cwd: root,
        encoding: 'utf8',
      });
    const repeat = lab('--repeat', '3');
    assert.equal(repeat.status, 2);
    assert.match(repeat.stderr, /--repeat and --study-tasks apply to --deployment study only/);
    const phase = lab('--deployment', 'study', '--phases', 'sync-flash');
    assert.equal(phase.status, 2);
    assert.match(phase.stderr, /unknown phase "sync-flash" for --deployment study/);
  });
});
