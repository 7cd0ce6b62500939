/**
 * The study's experiments against a real flashsale server (a child process)
 * at time scale 0.05: the synchronous checkout shows the study's pattern, the
 * asynchronous one accepts everything fast, and accepted orders are followed
 * to their payment. The generator reads the scale from the server's /stats.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { type ChildService, freePort, startChild } from '../support/child-service.js';
import { tempDir } from '../support/service.js';

const SCALE = 0.05;
const PAYMENT_MS = 3000;

async function serve(dir: string, name: string, flags: string[]): Promise<ChildService> {
  const port = await freePort();
  return startChild(
    ['serve', '--port', String(port), '--db', `${dir}/${name}.db`, '--time-scale', String(SCALE), ...flags],
    // The study's server: no admission control, so a sync request waits for the slot until the client gives up.
    { port, env: { FLASHSALE_ADMISSION_CONTROL: 'off', FLASHSALE_LOG_LEVEL: 'error' } },
  );
}

async function stop(service: ChildService | undefined): Promise<void> {
  if (!service || service.process.exitCode !== null) return;
  service.process.kill('SIGTERM');
  await service.exited;
}

describe('against a flashsale server: 3 s payments, 1 slot, 1 worker', () => {
  const tmp = tempDir('flashsale-loadtest-study-');
  let service: ChildService;
  before(async () => {
    service = await serve(tmp.dir, 'study', ['--workers', '1', '--payment-slots', '1', '--payment-latency', '3000']);
  });
  after(async () => {
    await stop(service);
    tmp.cleanup();
  });

  for (const scenario of ['normal', 'flash'] as const) {
    test(`${scenario} on /orders/sync shows the study's pattern`, async () => {
      const result = await runLoadTest({ host: service.url, scenario, endpoint: 'sync' });
      const { config, summary: s } = result;
      assert.equal(config.timeScale, SCALE);
      assert.equal(config.timeScaleSource, 'server');
      assert.equal(config.latencyClock, 'simulated');
      assert.deepEqual(result.server?.info, {
        timeScale: SCALE,
        paymentLatencyMs: PAYMENT_MS,
        paymentSlots: 1,
        workers: 1,
      });
      assert.ok(s.requests > 0);
      // Successes take at least one payment (3 s of study time; timers may fire up to 1 ms early).
      assert.ok(result.successLatency.count > 0, 'some orders succeed');
      assert.ok(
        result.successLatency.minMs / SCALE >= PAYMENT_MS - 1 / SCALE,
        `fastest success ${result.successLatency.minMs / SCALE} study ms`,
      );
      // Failures are client timeouts, nothing else.
      assert.ok(s.failures > 0, 'the slot cannot serve every user');
      assert.equal(result.errorsByKind.timeout, s.failures);
      assert.deepEqual(Object.keys(result.statusCodes), ['200']);
      // Successful orders never exceed slots ÷ latency: in T seconds one slot completes at most T / 3 (+1 at the edge).
      const runS = result.durationMs / SCALE / 1000;
      assert.ok(s.successes <= Math.floor(runS / 3) + 1, `${s.successes} successes in ${runS} s`);
      assert.ok(s.successesPerSec * SCALE <= 1 / 3 + 1 / runS, `${s.successesPerSec * SCALE} successes/s`);
      if (scenario === 'flash')
        assert.ok(s.failures / s.requests > 0.5, `flash failure share ${s.failures / s.requests}`);
    });
  }

  test('flash on /orders/async: no failures, p99 under 100 ms, the queue sampled as it grows', async () => {
    // A freshly started server compiles its async path on the first requests; warm it up as any benchmark does.
    await runLoadTest({
      host: service.url,
      endpoint: 'async',
      users: 5,
      waitMs: [0, 0],
      runTimeMs: 10_000,
      trackOrders: 0,
    });
    const result = await runLoadTest({ host: service.url, scenario: 'flash', endpoint: 'async', trackOrders: 50 });
    const s = result.summary;
    assert.equal(result.config.latencyClock, 'wall');
    assert.ok(s.requests > 500, `${s.requests} requests`);
    assert.equal(s.failures, 0);
    assert.deepEqual(Object.keys(result.statusCodes), ['202']);
    // Acceptance contains no simulated time: the wall-clock p99 is the real-units p99.
    assert.ok(s.percentiles['99'] < 100, `p99 ${s.percentiles['99']} ms`);
    const samples = result.server!.samples;
    assert.ok(samples.length >= 30, `${samples.length} /stats readings for 60 study seconds`);
    assert.ok(samples.every((x) => x.queueVisible !== undefined && x.workers === 1));
    const last = samples.at(-1)!;
    assert.ok(
      last.queueVisible! - samples[0]!.queueVisible! > s.requests * 0.9,
      `queue grew by less than ${s.requests}`,
    );
    assert.ok(samples[0]!.t < 2 && last.t > 55, 'samples cover the run in study seconds');
    // Tracked orders are still waiting behind one worker: one look finds them unfinished.
    assert.equal(result.endToEnd?.tracked, 50);
    assert.ok(result.endToEnd!.unfinished >= 45);
  });
});

describe('against a flashsale server with enough workers', () => {
  const tmp = tempDir('flashsale-loadtest-e2e-');
  let service: ChildService;
  before(async () => {
    service = await serve(tmp.dir, 'e2e', ['--workers', '50', '--payment-slots', '0']);
  });
  after(async () => {
    await stop(service);
    tmp.cleanup();
  });

  test('accepted async orders are followed to their payment', async () => {
    const result = await runLoadTest({
      host: service.url,
      scenario: 'normal',
      endpoint: 'async',
      runTimeMs: 10_000,
      trackOrders: 20,
      trackWaitMs: 30_000,
    });
    const e2e = result.endToEnd!;
    assert.equal(e2e.tracked, 20);
    assert.equal(e2e.completed, 20);
    assert.equal(e2e.unfinished, 0);
    // Acceptance to payment is at least one payment of study time.
    assert.ok(e2e.minMs / SCALE >= PAYMENT_MS - 1 / SCALE, `fastest ${e2e.minMs / SCALE} study ms`);
    assert.ok(e2e.p50Ms / SCALE < 4 * PAYMENT_MS, `median ${e2e.p50Ms / SCALE} study ms`);
  });
});
