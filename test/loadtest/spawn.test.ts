/** Users start as Locust 2 starts them: ⌊spawn rate⌋ at once, every ⌊rate⌋ ÷ rate seconds. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runLoadTest } from '../../src/loadtest/runner.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const SCALE = 0.2;

describe('closed-loop spawn steps', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(() => ({ delayMs: 2 }));
  });
  after(() => server.close());

  test('20 users at 10/s: 10 requests at the start, 10 more one study second later, none between', async () => {
    await runLoadTest({
      host: server.url,
      endpoint: '/spawn',
      users: 20,
      spawnRate: 10,
      // Each user sends once within the run: what arrives is the spawn schedule.
      waitMs: [10_000, 10_000],
      runTimeMs: 1800,
      timeScale: SCALE,
      sampleServer: false,
    });
    const arrivals = server.arrivals.filter((a) => a.path === '/spawn').map((a) => a.at);
    assert.equal(arrivals.length, 20);
    const first = arrivals[0]!;
    const offsets = arrivals.map((at) => at - first);
    const step = 1000 * SCALE;
    const early = offsets.filter((ms) => ms < step / 2);
    const late = offsets.filter((ms) => ms >= step * 0.95);
    assert.equal(early.length, 10, `requests at the start: ${offsets.map((ms) => ms.toFixed(0)).join(', ')}`);
    assert.equal(late.length, 10, `requests one spawn step later: ${offsets.map((ms) => ms.toFixed(0)).join(', ')}`);
  });

  test('a rate below 1/s starts one user per 1 ÷ rate seconds', async () => {
    server.arrivals.length = 0;
    await runLoadTest({
      host: server.url,
      endpoint: '/slow-spawn',
      users: 2,
      spawnRate: 0.5,
      waitMs: [10_000, 10_000],
      runTimeMs: 2500,
      timeScale: SCALE,
      sampleServer: false,
    });
    const arrivals = server.arrivals.filter((a) => a.path === '/slow-spawn').map((a) => a.at);
    assert.equal(arrivals.length, 2);
    const gap = arrivals[1]! - arrivals[0]!;
    assert.ok(gap >= 2000 * SCALE * 0.95, `second user ${gap.toFixed(0)} ms after the first; expected 2 study seconds`);
  });
});
