/**
 * `flashsale loadtest` in a CI job: thresholds against servers with known
 * latencies and failures, the documented exit codes, `--json` on stdout and
 * `--host a,b` spreading the requests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LoadTestSummaryJson } from '../../src/loadtest/summary-json.js';
import { flashsale } from './support/cli.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const DELAY_MS = 20;

/** A short closed-loop run on GET /items that writes no files. */
function load(host: string, ...extra: string[]): string[] {
  return [
    'loadtest',
    '--host',
    host,
    '--endpoint',
    '/items',
    '--users',
    '2',
    '--spawn-rate',
    '1000',
    '--wait',
    '0',
    '--run-time',
    '0.5s',
    '--progress',
    'off',
    '--no-save',
    ...extra,
  ];
}

function parseSummary(stdout: string): LoadTestSummaryJson {
  assert.ok(stdout.trimStart().startsWith('{'), `stdout holds nothing but the JSON: ${stdout.slice(0, 80)}`);
  return JSON.parse(stdout) as LoadTestSummaryJson;
}

describe('flashsale loadtest for CI', () => {
  let slow: TestServer;
  let flaky: TestServer;
  before(async () => {
    slow = await startTestServer(() => ({ delayMs: DELAY_MS }));
    flaky = await startTestServer((_request, index) => (index % 5 === 4 ? { status: 500 } : {}));
  });
  after(async () => {
    await slow.close();
    await flaky.close();
  });

  test('a threshold met and one crossed: both shown with the measured value, exit 99', async () => {
    const run = await flashsale(load(slow.url, '--threshold', 'p50>=20ms', '--threshold', 'p95<10ms'));
    assert.equal(run.code, 99, run.stderr);
    assert.match(run.stdout, /Thresholds \(as measured\): 1 of 2 crossed/);
    assert.match(run.stdout, /✓ p50>=20ms\s+p50 = [\d.]+ ms/);
    assert.match(run.stdout, /✗ p95<10ms\s+p95 = [\d.]+ ms/);
    assert.match(run.stderr, /1 of 2 threshold\(s\) crossed: p95<10ms \(exit 99\)/);
  });

  test('every threshold met: exit 0, and --json prints the summary with the thresholds and the outcome', async () => {
    const run = await flashsale(
      load(slow.url, '--json', '--threshold', 'p(50)>=20', '--threshold', 'max<5s', '--threshold', 'rps>0'),
    );
    assert.equal(run.code, 0, run.stderr);
    const json = parseSummary(run.stdout);
    assert.equal(json.schema, 'flashsale.loadtest.summary/v1');
    assert.ok(json.summary.requests > 0);
    assert.equal(json.summary.failures, 0);
    assert.deepEqual(
      json.thresholds?.map((t) => [t.expression, t.metric, t.passed]),
      [
        ['p(50)>=20', 'p50', true],
        ['max<5s', 'max', true],
        ['rps>0', 'rps', true],
      ],
    );
    const p50 = json.thresholds![0]!.measured!;
    assert.ok(p50 >= DELAY_MS, `the server never answers before ${DELAY_MS} ms; p50 ${p50}`);
    assert.equal(json.thresholds![1]!.limit, 5000);
    assert.equal(json.study.rps, json.summary.rps, 'at time scale 1 study units are the raw figures');
    assert.deepEqual(json.outcome, {
      verdict: 'passed',
      exitCode: 0,
      reason: 'all 3 threshold(s) met; no request failed',
    });
    assert.deepEqual(json.files, []);
  });

  test('failed requests exit 1 by default, 0 with --exit-code-on-error 0, and a failures threshold judges them', async () => {
    const byDefault = await flashsale(load(flaky.url));
    assert.equal(byDefault.code, 1, byDefault.stderr);
    assert.match(byDefault.stderr, /\d+ of \d+ request\(s\) failed .*\(exit 1\)/);

    const accepted = await flashsale(load(flaky.url, '--exit-code-on-error', '0'));
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, /HTTP 500/);

    const custom = await flashsale(load(flaky.url, '--exit-code-on-error', '3'));
    assert.equal(custom.code, 3, custom.stderr);

    const within = await flashsale(load(flaky.url, '--json', '--threshold', 'failures<50%'));
    assert.equal(within.code, 0, within.stderr);
    const withinJson = parseSummary(within.stdout);
    const { failures, requests } = withinJson.summary;
    // Every 5th answer is a 500, give or take the requests of the 2 users abandoned at the end.
    assert.ok(Math.abs(failures - requests / 5) <= 3, `${failures} of ${requests} failed`);
    assert.equal(withinJson.thresholds![0]!.measured, failures / requests);

    const beyond = await flashsale(load(flaky.url, '--threshold', 'failures<1%'));
    assert.equal(beyond.code, 99, beyond.stderr);
    assert.match(beyond.stdout, /✗ failures<1%\s+failures = \d+\.\d\d %/);
  });

  test('--host a,b spreads the requests over both targets in turn', async () => {
    const a = await startTestServer(() => ({ delayMs: 2 }));
    const b = await startTestServer(() => ({ delayMs: 2 }));
    try {
      // --stop-timeout: every request sent is answered and counted, so the counts can be compared.
      const run = await flashsale(
        load(`${a.url},${b.url}`, '--users', '3', '--stop-timeout', '5s', '--json', '--exit-code-on-error', '0'),
      );
      assert.equal(run.code, 0, run.stderr);
      const json = parseSummary(run.stdout);
      assert.deepEqual(json.config.hosts, [a.url, b.url]);
      const [onA, onB] = json.targets!;
      assert.equal(onA!.host, a.url);
      assert.equal(onB!.host, b.url);
      assert.equal(onA!.requests, a.served.get('/items'));
      assert.equal(onB!.requests, b.served.get('/items'));
      assert.equal(onA!.requests + onB!.requests, json.summary.requests);
      assert.ok(onA!.requests > 10, `requests on a: ${onA!.requests}`);
      assert.ok(Math.abs(onA!.requests - onB!.requests) <= 1, `${onA!.requests} vs ${onB!.requests}`);
      assert.match(run.stderr, new RegExp(`GET /items on ${a.url}, ${b.url} \\(round robin\\)`));
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('bad thresholds and exit codes are usage errors (exit 2) that name the expression', async () => {
    const cases: [string[], RegExp][] = [
      [['--threshold', 'p95<fast'], /--threshold "p95<fast": cannot read the limit "fast" for p95/],
      [['--threshold', 'p96x<1'], /--threshold "p96x<1": unknown metric "p96x"/],
      [['--threshold', 'failures<5'], /failures is a share of requests: write 5% or 0.05/],
      [['--threshold', 'p95'], /--threshold "p95": expected METRIC OPERATOR VALUE/],
      [['--exit-code-on-error', '300'], /--exit-code-on-error: expected 0–255/],
      [['--host', `${slow.url},`], /--host: expected URL\[,URL…\]/],
    ];
    const runs = await Promise.all(cases.map(([args]) => flashsale(load(slow.url, ...args))));
    for (const [i, run] of runs.entries()) {
      const [args, message] = cases[i]!;
      assert.equal(run.code, 2, `${args.join(' ')}: exit ${run.code}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '', 'nothing was run');
    }
  });
});
