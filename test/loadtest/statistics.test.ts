/**
 * The generator's statistics against a local server with known latencies.
 * Tolerances are stated per assertion: a response can never be faster than
 * the server's delay, and loopback plus a shared 2-core machine add at most a
 * few milliseconds to it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LatencyHistogram, PERCENTILE_PRECISION, sortedPercentile } from '../../src/loadtest/histogram.js';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Added latency we accept on loopback, ms (scheduling noise on a busy CI machine). */
const SLACK_MS = 15;

describe('statistics against a server with a fixed delay', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(() => ({ delayMs: 20 }));
  });
  after(() => server.close());

  test('counts every request, and rates and percentiles match the delay', async () => {
    const result = await runLoadTest({
      host: server.url,
      endpoint: '/fixed',
      users: 8,
      spawnRate: 1000,
      waitMs: [0, 0],
      runTimeMs: 1500,
      stopTimeoutMs: 2000,
      timeScale: 1,
    });
    const s = result.summary;
    // Counts are exact: every request the server answered was recorded once, none abandoned.
    assert.equal(result.cancelledAtStop, 0);
    assert.equal(s.requests, server.served.get('/fixed'));
    assert.equal(s.failures, 0);
    assert.equal(result.statusCodes['200'], s.requests);
    // req/s is requests over the run time; with 8 users and 20 ms it is at most 8 / 0.020 = 400/s.
    assert.ok(Math.abs(s.rps - s.requests / (result.durationMs / 1000)) < 1e-6);
    assert.ok(s.rps <= 400 && s.rps >= 400 * 0.6, `req/s ${s.rps}`);
    // No response is faster than the server's delay; the median is within the slack of it.
    assert.ok(s.minMs >= 20, `min ${s.minMs}`);
    assert.ok(s.medianMs >= 20 && s.medianMs <= 20 + SLACK_MS, `median ${s.medianMs}`);
    assert.ok(s.percentiles['50'] <= s.percentiles['95'] && s.percentiles['95'] <= s.percentiles['100']);
    assert.equal(s.percentiles['100'], s.maxMs);
    // The per-second series adds up to the total.
    const seriesTotal = result.series.reduce((sum, p) => sum + p.requests, 0);
    assert.equal(seriesTotal, s.requests);
    assert.equal(result.series.at(-1)!.totalRequests, s.requests);
    assert.ok(result.series.length >= 2, 'one bucket per second');
    assert.equal(result.series[0]!.users, 8);
  });
});

describe('statistics against a known mix (every 10th request takes 100 ms, the others 10 ms)', () => {
  let server: TestServer;
  let slow = 0;
  before(async () => {
    server = await startTestServer((_req, index) => {
      if (index % 10 === 9) {
        slow++;
        return { delayMs: 100 };
      }
      return { delayMs: 10 };
    });
  });
  after(() => server.close());

  test('percentiles fall on the right side of the mix and equal the exact ones', async () => {
    const result = await runLoadTest({
      host: server.url,
      endpoint: '/mix',
      users: 1,
      waitMs: [0, 0],
      runTimeMs: 2000,
      stopTimeoutMs: 1000,
      timeScale: 1,
      recordRequests: true,
    });
    const s = result.summary;
    const requests = result.requests!;
    assert.equal(s.requests, requests.length);
    assert.equal(s.requests, server.served.get('/mix'));
    // One user sends serially, so the slow share is exactly the server's.
    const seenSlow = requests.filter((r) => r.latencyMs >= 100).length;
    assert.equal(seenSlow, slow);
    assert.ok(s.requests >= 50, `only ${s.requests} requests`);
    // 90 % are fast: p50 and p80 are 10 ms (+ slack); p95 and above are 100 ms (+ slack).
    for (const p of ['50', '66', '75', '80'] as const) {
      assert.ok(s.percentiles[p] >= 10 && s.percentiles[p] <= 10 + SLACK_MS, `p${p} ${s.percentiles[p]}`);
    }
    for (const p of ['95', '98', '99'] as const) {
      assert.ok(s.percentiles[p] >= 100 && s.percentiles[p] <= 100 + SLACK_MS, `p${p} ${s.percentiles[p]}`);
    }
    // The HDR figures equal the exact nearest-rank percentiles of the recorded latencies (4 digits).
    const sorted = Float64Array.from(requests.map((r) => r.latencyMs)).sort();
    for (const p of [50, 66, 75, 80, 90, 95, 98, 99, 99.9] as const) {
      const exact = sortedPercentile(sorted, p);
      const reported = s.percentiles[`${p}`];
      assert.ok(Math.abs(reported - exact) <= exact * PERCENTILE_PRECISION + 0.001, `p${p}: ${reported} vs ${exact}`);
    }
    assert.equal(s.maxMs, sorted.at(-1));
    assert.equal(s.minMs, sorted[0]);
    assert.ok(Math.abs(s.avgMs - sorted.reduce((a, b) => a + b, 0) / sorted.length) < 1e-9);
  });
});

test('the HDR histogram agrees with exact percentiles to 0.01 % on skewed data', () => {
  const histogram = new LatencyHistogram();
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const u = seed / 2 ** 31;
    const ms = i % 7 === 0 ? 3000 + u * 7000 : 0.2 + u * u * 50; // a bimodal, skewed mix
    values.push(ms);
    histogram.record(ms);
  }
  const sorted = Float64Array.from(values).sort();
  for (const p of [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99]) {
    const exact = sortedPercentile(sorted, p);
    const reported = histogram.percentile(p);
    assert.ok(Math.abs(reported - exact) <= exact * PERCENTILE_PRECISION + 0.001, `p${p}: ${reported} vs ${exact}`);
  }
  assert.equal(histogram.percentile(100), sorted.at(-1));
  // It round-trips through its standard encoding.
  const decoded = LatencyHistogram.decode(histogram.encode(), histogram.exact());
  assert.deepEqual(decoded.percentiles(), histogram.percentiles());
});
