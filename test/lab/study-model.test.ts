/** The study's deployment as arithmetic: what the lab's study phases are compared with. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  modelRuns,
  type StudyLoad,
  type StudyModelParams,
  simulateStudyRun,
  successesWhileLinesGrow,
} from '../../src/lab/study-model.js';
import { SCENARIOS } from '../../src/loadtest/index.js';

const closed = (name: 'normal' | 'flash'): StudyLoad => {
  const s = SCENARIOS[name]!;
  return { kind: 'closed', users: s.users!, spawnRate: s.spawnRate!, waitMs: s.waitMs! };
};

const study = (load: StudyLoad, tasks = 2): Omit<StudyModelParams, 'seed'> => ({
  tasks,
  latencyMs: 3000,
  timeoutMs: 10_000,
  runTimeMs: 30_000,
  load,
  balancer: 'round-robin',
  holdAbandoned: true,
});

describe('study model', () => {
  test('flash sale, two round-robin tasks: the slots pay 6 in time in every run, then only timeouts', () => {
    const expected = successesWhileLinesGrow(2, 3000, 10_000);
    assert.equal(expected, 6);
    for (const run of modelRuns(study(closed('flash')), 50)) {
      assert.equal(run.successes, expected);
      // 14 users × 2 timeouts + 6 × (1 success + 2 timeouts), less a third timeout past the 30 s stop.
      assert.ok(run.requests >= 44 && run.requests <= 46, `${run.requests} requests`);
      assert.equal(run.medianMs, 10_000, 'the median is the timeout');
    }
  });

  test('one task pays half as many: ⌊10 s ÷ 3 s⌋', () => {
    const run = simulateStudyRun({ ...study(closed('flash'), 1), seed: 7 });
    assert.equal(run.successes, successesWhileLinesGrow(1, 3000, 10_000));
  });

  test('normal traffic, two round-robin tasks: no line holds 4 requests, so no timeout', () => {
    for (const run of modelRuns(study(closed('normal')), 50)) {
      assert.equal(run.failures, 0);
      assert.ok(run.maxMs <= 9000, `slowest ${run.maxMs} ms`);
      assert.ok(run.requests >= 17 && run.requests <= 19, `${run.requests} requests`);
    }
  });

  test('normal traffic, a task picked at random per request: lines go uneven and some runs time out', () => {
    const runs = modelRuns({ ...study(closed('normal')), balancer: 'random' }, 200);
    const failing = runs.filter((r) => r.failures >= 6).length;
    assert.ok(failing > 0 && failing < runs.length, `${failing} of ${runs.length} runs with 6 or more failures`);
  });

  test('an open loop counts every request, each answered or timed out', () => {
    const run = simulateStudyRun({ ...study({ kind: 'open', ratePerS: 20 }, 1), seed: 1 });
    assert.equal(run.requests, 600);
    assert.equal(run.successes, 3);
    assert.ok(run.lastAnswerMs > 30_000, 'answers after the run time still count');
  });

  test('a closed loop drops requests open when the run time ends (Locust)', () => {
    // One user, a 3 s payment, 10 s run: answers at 3, ~6.3, ~9.6 s; the fourth is open at 10 s.
    const run = simulateStudyRun({
      ...study({ kind: 'closed', users: 1, spawnRate: 1, waitMs: [300, 300] }, 1),
      runTimeMs: 10_000,
      seed: 1,
    });
    assert.equal(run.requests, 3);
    assert.equal(run.lastAnswerMs, 9600);
  });
});
