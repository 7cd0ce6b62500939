import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Figure, LabResult, PhaseResult } from '../../src/lab/results.js';
import { runLab } from '../../src/lab/run-lab.js';
import { CLI } from '../support/cli-command.js';
import { tempDir } from '../support/service.js';

// Fixed per-message costs (durable commits) are wall time: below ~0.2 they eat into N ÷ 3 s.
const SCALE = 0.2;
const root = join(import.meta.dirname, '..', '..');

function phase(result: LabResult, id: string): PhaseResult {
  const found = result.phases.find((p) => p.id === id);
  assert.ok(found, `phase ${id} ran`);
  return found;
}

function figure(p: PhaseResult, name: string): Figure {
  const found = p.figures.find((f) => f.name.startsWith(name));
  assert.ok(found, `${p.id} reports "${name}"`);
  return found;
}

function near(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== null, `${what} measured`);
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${actual} vs ${expected} (±${tolerance * 100} %)`);
}

describe('flashsale lab, shortened: sync flash, async flash, two worker counts', () => {
  const out = tempDir('flashsale-lab-test-');
  let result: LabResult;
  let files: string[];
  const logged: string[] = [];

  before(async () => {
    ({ result, files } = await runLab(
      {
        timeScale: SCALE,
        phases: ['sync-flash', 'async-flash', 'scaling'],
        out: out.dir,
        workerCounts: [2, 20],
        scalingBurstMs: 4000,
        drainLimitMs: 40_000,
        asyncRunTimeMs: 20_000,
        syncRunTimeMs: 30_000,
        warmUpRequests: 500,
        command: 'flashsale lab (test)',
      },
      { log: (line) => logged.push(line) },
    ));
  });
  after(() => out.cleanup());

  test('progress is shown phase by phase', () => {
    for (const step of ['[1/4] sync-flash', '[2/4] async-flash', '[3/4] scaling (2 workers)', '[4/4] scaling (20']) {
      assert.ok(
        logged.some((l) => l.startsWith(step)),
        `progress line "${step}"`,
      );
    }
  });

  test('the synchronous flash sale collapses as in the study', () => {
    const sync = phase(result, 'sync-flash');
    const failures = figure(sync, 'failure share');
    assert.ok((failures.measured ?? 0) >= 80, `failure share ${failures.measured} %`);
    assert.ok((figure(sync, 'successful orders per second').measured ?? 1) <= (1 / 3) * 1.1);
    assert.ok((figure(sync, 'slowest response').measured ?? 0) >= 9500, 'responses run into the 10 s timeout');
    assert.ok((figure(sync, 'fastest response').measured ?? 0) >= 3000, 'no answer faster than one payment');
  });

  test('the asynchronous flash sale accepts everything and its queue grows at 60 − 1/3 per second', () => {
    const async = phase(result, 'async-flash');
    assert.equal(figure(async, 'failures').measured, 0);
    assert.equal(async.load?.requests, 1200);
    near(figure(async, 'queue growth').measured, 60 - 1 / 3, 0.1, 'queue growth');
    near(figure(async, 'processing rate, 1 worker').measured, 1 / 3, 0.1, 'one worker');
    assert.ok(async.series.length > 20, 'queue-depth series kept');
    assert.ok(Math.max(...async.series.map((p) => p.visible)) > 1000, 'the queue grew');
  });

  test('each worker count pays N ÷ 3 s orders per second, within 10 %', () => {
    for (const n of [2, 20]) {
      const scaling = phase(result, `workers-${n}`);
      const rate = figure(scaling, 'processing rate');
      near(rate.measured, n / 3, 0.1, `${n} workers`);
      assert.equal(rate.verdict, 'ok');
      assert.ok(scaling.usage && scaling.usage.cpuS > 0 && scaling.usage.peakRssMb > 10, 'CPU and memory measured');
    }
    const drain = figure(phase(result, 'workers-20'), 'time to drain');
    near(drain.measured, drain.theory ?? 0, 0.15, 'drain time of 20 workers');
    assert.equal(drain.note, undefined, 'measured, not projected');
    const projected = figure(phase(result, 'workers-2'), 'time to drain');
    assert.match(projected.note ?? '', /projected/);
  });

  test('results, series and both reports are written, with every chart', () => {
    for (const f of files) assert.ok(existsSync(f), `${f} exists`);
    const saved = JSON.parse(readFileSync(join(out.dir, 'lab-results.json'), 'utf8')) as LabResult;
    assert.equal(saved.timeScale, SCALE);
    assert.equal(saved.phases.length, 4);
    for (const p of saved.phases) {
      for (const f of p.files) assert.ok(existsSync(join(out.dir, f)), `${f} exists`);
    }
    const csv = readFileSync(join(out.dir, 'phases', 'async-flash-queue.csv'), 'utf8').split('\n');
    assert.match(csv[0] ?? '', /^t_s,visible,in_flight/);
    assert.ok(csv.length > 20);

    const md = readFileSync(join(out.dir, 'lab-report.md'), 'utf8');
    assert.match(md, /Time scale 0\.2: a 3 s payment took 600 ms/);
    assert.match(md, /measured durations are divided by the time scale/);
    assert.match(md, /`flashsale lab \(test\)`/);
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((m) => m[1]!);
    assert.ok(images.length >= 10, `${images.length} charts linked`);
    for (const image of images) assert.ok(existsSync(join(out.dir, image)), `${image} written`);
    for (const id of ['sync-flash-waiting', 'async-flash-queue', 'scaling-rate', 'scaling-queue', 'workers-20-queue']) {
      assert.ok(images.includes(`lab-report-charts/${id}.svg`), `chart ${id}`);
    }

    const html = readFileSync(join(out.dir, 'lab-report.html'), 'utf8');
    const inline = html.match(/<svg /g)?.length ?? 0;
    assert.equal(inline, images.length, 'the page carries the same charts inline');
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /Measured vs theory/);
  });

  test('the CLI names a phase it does not know and exits 2', () => {
    const run = spawnSync(process.execPath, [...CLI, 'lab', '--phases', 'warp', '-o', join(out.dir, 'x')], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown phase "warp"/);
  });
});
