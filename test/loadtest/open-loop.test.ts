/**
 * The open loop keeps its schedule through a 1 s server stall, and measures
 * each latency from the intended send time: the requests scheduled during the
 * stall show up to ≈ 1 s extra. A closed loop, by contrast, waits politely and
 * records a single slow request (coordinated omission).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const RATE = 100; // requests per second
const STALL_AT = 1000; // ms after the start
const STALL_MS = 1000;

describe('open loop through a 1 s server stall', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(() => ({ delayMs: 5 }));
  });
  after(() => server.close());

  test('keeps the schedule and charges the stall to the requests scheduled in it', async () => {
    let stall: NodeJS.Timeout | undefined;
    const result = await runLoadTest(
      { host: server.url, endpoint: '/open', rate: RATE, runTimeMs: 3000, timeScale: 1, recordRequests: true },
      { onStart: () => (stall = setTimeout(() => server.stall(STALL_MS), STALL_AT)) },
    );
    clearTimeout(stall);
    const requests = result.requests!;
    // The stall in the run's own time: the first request arrived (loopback, < 1 ms) when it was sent.
    const arrivals = server.arrivals.filter((a) => a.path === '/open').map((a) => a.at);
    const runStart = arrivals[0]! - requests[0]!.sentMs;
    const stallFrom = server.lastStall!.from - runStart;
    const stallUntil = server.lastStall!.until - runStart;
    // Every scheduled request went out and was answered (open loop waits up to the timeout at the end).
    assert.equal(result.summary.requests, RATE * 3);
    assert.equal(result.summary.failures, 0);
    assert.equal(result.cancelledAtStop, 0);
    // The schedule held during the stall: sends left at their intended times (a busy machine may delay a few).
    const lateness = Float64Array.from(requests.map((r) => r.sentMs - r.intendedMs)).sort();
    assert.ok(lateness[Math.floor(lateness.length / 2)]! < 5, `median send ${lateness[150]} ms late`);
    assert.ok(lateness.at(-1)! < 100, `a send was ${lateness.at(-1)} ms late`);
    const arrivedDuringStall = arrivals.filter(
      (t) => t - runStart > stallFrom + 100 && t - runStart < stallUntil - 100,
    );
    assert.ok(Math.abs(arrivedDuringStall.length - 80) <= 8, `${arrivedDuringStall.length} arrivals in 0.8 s`);

    // Before the stall: fast. Scheduled during it: the rest of the stall is added (≈ 1 s down to ≈ 0).
    const before = requests.filter((r) => r.intendedMs < stallFrom - 50);
    assert.ok(
      before.every((r) => r.latencyMs < 100),
      'requests before the stall are fast',
    );
    const during = requests.filter((r) => r.intendedMs >= stallFrom + 20 && r.intendedMs < stallUntil - 50);
    assert.ok(during.length >= 85, `${during.length} requests scheduled in the stall`);
    for (const r of during) {
      const expected = stallUntil - r.intendedMs; // time left in the stall when it should have left
      assert.ok(
        r.latencyMs >= expected - 5 && r.latencyMs <= expected + 60,
        `intended at ${r.intendedMs.toFixed(0)} ms: ${r.latencyMs.toFixed(0)} ms, expected ≈ ${expected.toFixed(0)}`,
      );
    }
    const max = result.summary.maxMs;
    assert.ok(max >= 900 && max <= 1200, `max ${max}`);
    // The stall is visible in the percentiles: about a sixth of the requests waited over 0.5 s.
    const slowShare = requests.filter((r) => r.latencyMs > 500).length / requests.length;
    assert.ok(slowShare > 0.12 && slowShare < 0.2, `share over 500 ms: ${slowShare}`);
    assert.ok(result.summary.percentiles['90'] > 300, `p90 ${result.summary.percentiles['90']}`);
  });

  test('a closed-loop user through the same stall records one slow request (coordinated omission)', async () => {
    let stall: NodeJS.Timeout | undefined;
    const result = await runLoadTest(
      {
        host: server.url,
        endpoint: '/closed',
        users: 1,
        waitMs: [10, 10],
        runTimeMs: 3000,
        timeScale: 1,
        recordRequests: true,
      },
      { onStart: () => (stall = setTimeout(() => server.stall(STALL_MS), STALL_AT)) },
    );
    clearTimeout(stall);
    const slow = result.requests!.filter((r) => r.latencyMs > 500);
    assert.equal(slow.length, 1);
    assert.ok(result.summary.percentiles['90'] < 100, `p90 ${result.summary.percentiles['90']} hides the stall`);
  });
});
