/** Failures by kind — HTTP status, client timeout, connection error — and Locust's stop semantics. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runLoadTest, TargetUnreachableError } from '../../src/loadtest/runner.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('failures by kind', () => {
  let server: TestServer;
  before(async () => {
    // Request n: every 4th answers 503, every 5th (otherwise) takes 300 ms (past a 100 ms timeout).
    server = await startTestServer((_req, index) => {
      if (index % 4 === 3) return { status: 503 };
      if (index % 5 === 4) return { delayMs: 300 };
      return { delayMs: 2 };
    });
  });
  after(() => server.close());

  test('HTTP statuses and timeouts are counted apart, with their messages', async () => {
    const result = await runLoadTest({
      host: server.url,
      endpoint: '/mixed',
      users: 1,
      waitMs: [0, 0],
      runTimeMs: 1500,
      timeoutMs: 100,
      stopTimeoutMs: 500,
      timeScale: 1,
      recordRequests: true,
    });
    const { summary, errorsByKind, errors, statusCodes } = result;
    assert.ok(summary.requests > 20);
    assert.equal(errorsByKind.connection, 0);
    assert.ok(errorsByKind.http > 0 && errorsByKind.timeout > 0);
    assert.equal(errorsByKind.http + errorsByKind.timeout, summary.failures);
    assert.equal(statusCodes['503'], errorsByKind.http);
    const http = errors.find((e) => e.kind === 'http')!;
    assert.equal(http.status, 503);
    assert.match(http.error, /^HTTP 503/);
    const timeout = errors.find((e) => e.kind === 'timeout')!;
    assert.match(timeout.error, /timeout: no answer within 100ms/);
    // A timeout is recorded at the timeout, not when the server would have answered.
    for (const r of result.requests!.filter((x) => x.kind === 'timeout')) {
      assert.ok(r.latencyMs >= 100 && r.latencyMs < 200, `timeout after ${r.latencyMs} ms`);
    }
    assert.equal(summary.successes, statusCodes['200']);
  });
});

test('a closed port gives connection errors, not a crash', async () => {
  // A listening socket that accepts and immediately resets every connection.
  const resetter = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
  const port = (resetter.address() as { port: number }).port;
  try {
    const result = await runLoadTest({
      host: `http://127.0.0.1:${port}`,
      endpoint: '/x',
      users: 2,
      waitMs: [5, 5],
      runTimeMs: 300,
      timeScale: 1,
    });
    assert.ok(result.summary.requests > 0);
    assert.equal(result.summary.failures, result.summary.requests);
    assert.equal(result.errorsByKind.connection, result.summary.requests);
    assert.match(result.errors[0]!.error, /^connection error: /);
  } finally {
    resetter.close();
  }
});

test('an unreachable target is an error before any load', async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(
    runLoadTest({ host: `http://127.0.0.1:${port}`, runTimeMs: 100, timeScale: 1 }),
    (error: Error) => error instanceof TargetUnreachableError && /cannot reach .*ECONNREFUSED/.test(error.message),
  );
});

describe('stopping', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(() => ({ delayMs: 400 }));
  });
  after(() => server.close());

  test('closed loop: requests in flight at the end are abandoned and not counted (Locust)', async () => {
    const result = await runLoadTest({
      host: server.url,
      endpoint: '/slow',
      users: 3,
      spawnRate: 1000,
      waitMs: [0, 0],
      runTimeMs: 600,
      timeScale: 1,
    });
    assert.equal(result.summary.requests, 3); // the first round; the second was in flight at 600 ms
    assert.equal(result.cancelledAtStop, 3);
    assert.match(result.notes.join('\n'), /3 request\(s\) still in flight/);
  });

  test('--stop-timeout lets them finish and counts them', async () => {
    const result = await runLoadTest({
      host: server.url,
      endpoint: '/slow',
      users: 3,
      spawnRate: 1000,
      waitMs: [0, 0],
      runTimeMs: 600,
      stopTimeoutMs: 1000,
      timeScale: 1,
    });
    assert.equal(result.summary.requests, 6);
    assert.equal(result.cancelledAtStop, 0);
  });
});
