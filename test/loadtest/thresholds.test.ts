/** Threshold expressions as a user writes them, and what they are judged on. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { parseThreshold } from '../../src/loadtest/thresholds.js';
import { startTestServer, type TestServer } from './support/test-server.js';

test('k6-style expressions and their units', () => {
  const read = (text: string) => {
    const t = parseThreshold(text);
    return [t.metric, t.op, t.limit, t.unit];
  };
  assert.deepEqual(read('p95<100ms'), ['p95', '<', 100, 'ms']);
  assert.deepEqual(read('p(99.9) <= 1.5s'), ['p99.9', '<=', 1500, 'ms']);
  assert.deepEqual(read('P99<250'), ['p99', '<', 250, 'ms']);
  assert.deepEqual(read('median>=3s'), ['med', '>=', 3000, 'ms']);
  assert.deepEqual(read('avg<.5s'), ['avg', '<', 500, 'ms']);
  assert.deepEqual(read('failures<1%'), ['failures', '<', 0.01, 'share']);
  assert.deepEqual(read('failures<=0.05'), ['failures', '<=', 0.05, 'share']);
  assert.deepEqual(read('failed===0'), ['failed', '==', 0, 'count']);
  assert.deepEqual(read('requests>=100'), ['requests', '>=', 100, 'count']);
  assert.deepEqual(read('rps>50/s'), ['rps', '>', 50, 'per-second']);
  assert.deepEqual(read('successes/s>0.3'), ['successes/s', '>', 0.3, 'per-second']);
  assert.equal(parseThreshold('  p95 < 100ms ').expression, 'p95 < 100ms');

  const bad: [string, RegExp][] = [
    ['p95 100ms', /expected METRIC OPERATOR VALUE/],
    ['p(95<1', /unknown metric "p\(95"/],
    ['p0<1', /unknown metric "p0"/],
    ['p101<1', /unknown metric "p101"/],
    ['latency<1', /unknown metric "latency" \(use p50/],
    ['p95<100us', /cannot read the limit "100us" for p95 \(examples: 100, 100ms, 1.5s\)/],
    ['failures<150%', /a share cannot exceed 100%/],
    ['failures<2', /failures is a share of requests: write 2% or 0.02; count them with failed/],
    ['failed<1.5', /cannot read the limit "1.5" for failed/],
  ];
  for (const [text, message] of bad) assert.throws(() => parseThreshold(text), message, text);
});

describe('thresholds judged on a run', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(() => ({ delayMs: 20 }));
  });
  after(async () => server.close());

  const run = (timeScale: number, thresholds: string[]) =>
    runLoadTest({
      host: server.url,
      endpoint: '/slow',
      users: 2,
      spawnRate: 1000,
      waitMs: [0, 0],
      runTimeMs: 400 / timeScale,
      timeScale,
      latencyClock: 'simulated',
      thresholds,
    });

  test('at time scale 1, on the raw figures', async () => {
    const result = await run(1, ['p50>=20ms', 'p50<20ms', 'min>=20', 'requests>0', 'failed==0']);
    const verdicts = result.thresholds!.map((t) => [t.expression, t.passed]);
    assert.deepEqual(verdicts, [
      ['p50>=20ms', true],
      ['p50<20ms', false],
      ['min>=20', true],
      ['requests>0', true],
      ['failed==0', true],
    ]);
    assert.equal(result.thresholds![3]!.measured, result.summary.requests);
  });

  test('on a scaled run, in study units: a 20 ms answer at scale 0.5 stands for 40 ms', async () => {
    const result = await run(0.5, ['p50>=40ms', 'rps>0']);
    const [p50, rps] = result.thresholds!;
    assert.equal(p50!.passed, true, `measured ${p50!.measured}`);
    assert.ok(p50!.measured! >= 40);
    assert.equal(rps!.measured, result.summary.rps * 0.5, 'requests per study second');
  });
});
