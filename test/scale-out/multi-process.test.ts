import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type Emulator, emulatorEnv, startEmulator } from '../support/fauxqs.js';
import { type FlashsaleProcess, startFlashsale } from '../support/flashsale-process.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// At a time scale of 0.4 a 3 s payment takes 1.2 s and the 5 s visibility timeout 2 s.
const TIME_SCALE = 0.4;
const PAYMENT_MS = 3000 * TIME_SCALE;
const VISIBILITY_SIM_MS = 5000;
const VISIBILITY_MS = VISIBILITY_SIM_MS * TIME_SCALE;
const WORKERS_PER_PROCESS = 8;
const TOTAL_WORKERS = 2 * WORKERS_PER_PROCESS;

const probe = await probePostgres();

describe('scale-out: 2 api + 2 worker + 1 gateway processes on PostgreSQL and SNS/SQS', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let emulator: Emulator;
  let sqsProxy: TcpProxy;
  let pgProxy: TcpProxy;
  let gateway: FlashsaleProcess;
  let apis: FlashsaleProcess[] = [];
  let workers: FlashsaleProcess[] = [];
  const all = () => [...apis, ...workers, gateway].filter(Boolean);

  before(async () => {
    db = await createTestDatabase('flashsale_multi');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    emulator = await startEmulator();
    // Every process reaches PostgreSQL and SQS through a proxy the test can cut.
    sqsProxy = await new TcpProxy({ host: '127.0.0.1', port: emulator.port }).start();
    pgProxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    const env = {
      ...emulatorEnv(`http://127.0.0.1:${sqsProxy.port}`),
      DATABASE_URL: db.urlVia(pgProxy.port),
      FLASHSALE_STORE: 'postgres',
      FLASHSALE_TIME_SCALE: String(TIME_SCALE),
    };
    const common = ['--host', '127.0.0.1', '--port', '0'];
    gateway = await startFlashsale('gateway', ['gateway', ...common, '--payment-slots', String(TOTAL_WORKERS)], {
      env,
    });
    const node = [...common, '--bus', 'sqs', '--provision', '--gateway-url', gateway.url];
    const queue = ['--visibility-timeout', String(VISIBILITY_SIM_MS)];
    const started = await Promise.all([
      startFlashsale('api-1', ['api', ...node], { env }),
      startFlashsale('api-2', ['api', ...node], { env }),
      startFlashsale('worker-1', ['worker', ...node, ...queue, '--workers', String(WORKERS_PER_PROCESS)], { env }),
      startFlashsale('worker-2', ['worker', ...node, ...queue, '--workers', String(WORKERS_PER_PROCESS)], { env }),
    ]);
    apis = started.slice(0, 2);
    workers = started.slice(2);
  });

  after(async () => {
    // An unhandled rejection is a bug even when the process survived it.
    const live = all().filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const counts = await Promise.all(
      live.map(async (p) => [p.name, await p.unhandledRejections().catch((e: Error) => e.message)] as const),
    );
    await Promise.all(all().map((p) => p.stop(5000)));
    await sql?.end();
    await pgProxy?.stop();
    await sqsProxy?.stop();
    await emulator?.stop();
    await db?.drop();
    assert.deepEqual(
      counts.filter(([, n]) => n !== 0),
      [],
      'no process counted an unhandled promise rejection',
    );
  });

  /** Posts `count` async orders, alternating between the two APIs, `concurrency` at a time. */
  async function flash(count: number, concurrency = 24) {
    const results: Array<{ status: number; id: string; body: Record<string, unknown> }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++;
          const api = apis[i % apis.length] as FlashsaleProcess;
          const r = await postJson(`${api.url}/orders/async`, sampleOrder(1000 + (i % 1000), i));
          results.push({ status: r.status, id: String(r.body.order_id ?? ''), body: r.body });
        }
      }),
    );
    return results;
  }

  async function completed(ids: readonly string[], timeoutMs: number) {
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1) AND status = 'completed'",
          [ids],
        );
        return rows[0]?.n === ids.length;
      },
      { timeoutMs, intervalMs: 100, message: `${ids.length} orders to complete` },
    );
  }

  /** Exactly one ledger row (one charge) and one notification per order. */
  async function chargedOnce(ids: readonly string[]) {
    const { rows } = await sql.query<{ charges: number; orders: number; notes: number }>(
      `SELECT (SELECT count(*) FROM payment_ledger WHERE order_id = ANY($1))::int AS charges,
              (SELECT count(DISTINCT order_id) FROM payment_ledger WHERE order_id = ANY($1))::int AS orders,
              (SELECT count(*) FROM notifications WHERE order_id = ANY($1))::int AS notes`,
      [ids],
    );
    assert.deepEqual(rows[0], { charges: ids.length, orders: ids.length, notes: ids.length });
  }

  test('a flash load over both APIs: every 202 completes, charged once, at workers ÷ latency', async () => {
    const count = 112;
    const results = await flash(count);
    assert.deepEqual(
      results.filter((r) => r.status !== 202),
      [],
    );
    const ids = results.map((r) => r.id);
    await completed(ids, 60_000);
    await chargedOnce(ids);
    // Steady state: from the end of the first wave to the last completion, every worker
    // finishes one order per cycle, however staggered the waves started.
    const { rows } = await sql.query<{ end_ms: number }>(
      `SELECT (extract(epoch FROM processed_at) * 1000)::float8 AS end_ms FROM orders
       WHERE order_id = ANY($1) ORDER BY processed_at`,
      [ids],
    );
    const ends = rows.map((r) => r.end_ms);
    const span = (ends[count - 1] ?? 0) - (ends[TOTAL_WORKERS - 1] ?? 0);
    const rate = (count - TOTAL_WORKERS) / (span / 1000);
    const theory = TOTAL_WORKERS / (PAYMENT_MS / 1000);
    console.log(
      `# processing rate ${rate.toFixed(2)} orders/s, theory ${theory.toFixed(2)} (${TOTAL_WORKERS} workers)`,
    );
    // Never faster than the workers allow; at most 15 % slower (five processes and the test
    // runner's other lane share two cores: polls, commits and relays add to every cycle).
    assert.ok(
      rate <= theory * 1.05 && rate >= theory * 0.85,
      `rate ${rate.toFixed(2)} vs ${theory.toFixed(2)} orders/s`,
    );
    const per = await Promise.all(workers.map(async (w) => (await getJson(`${w.url}/stats`)).body));
    for (const stats of per) assert.ok((stats.processed as { completed: number }).completed > 0, 'both workers work');
  });

  test('with SQS unreachable both APIs keep answering 202; once it is back every order is processed', async () => {
    await sqsProxy.stop();
    let ids: string[];
    try {
      const results = await flash(40, 8);
      assert.deepEqual(
        results.map((r) => r.status),
        Array(40).fill(202),
      );
      ids = results.map((r) => r.id);
      // Each API's relay has tried and failed to publish while the bus was down.
      for (const api of apis) {
        await waitFor(
          async () => {
            const stats = (await getJson(`${api.url}/stats`)).body as { outbox: { failures: number } };
            return stats.outbox.failures > 0;
          },
          { timeoutMs: 10_000, intervalMs: 50, message: `${api.name}'s relay to fail` },
        );
      }
      const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
      assert.ok((rows[0]?.n ?? 0) > 0, 'messages wait in the outbox');
    } finally {
      await sqsProxy.start();
    }
    await completed(ids, 30_000);
    await chargedOnce(ids);
    const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    assert.equal(rows[0]?.n, 0);
  });

  test('with PostgreSQL unreachable the API answers 503 with a JSON error and recovers by itself', async () => {
    await pgProxy.stop();
    try {
      for (const api of apis) {
        const refused = await postJson(`${api.url}/orders/async`, sampleOrder());
        assert.equal(refused.status, 503);
        assert.equal(refused.body.error, 'store_unavailable');
        // Which part is down, never the driver's text or the database's address.
        assert.equal(refused.body.message, 'the order store is unavailable; try again shortly');
        assert.equal(refused.headers.get('retry-after'), '1');
        for (const path of ['/orders/some-id', '/orders/some-id/notifications', '/stats']) {
          const read = await getJson(`${api.url}${path}`);
          assert.equal(read.status, 503, path);
          assert.equal(read.headers.get('retry-after'), '1', path);
        }
      }
    } finally {
      await pgProxy.start();
    }
    const accepted = await Promise.all(
      apis.map((api) =>
        waitFor(
          async () => {
            const r = await postJson(`${api.url}/orders/async`, sampleOrder());
            return r.status === 202 ? String(r.body.order_id) : undefined;
          },
          { timeoutMs: 15_000, intervalMs: 100, message: `${api.name} to accept again` },
        ),
      ),
    );
    await completed(accepted, 30_000);
    await chargedOnce(accepted);
  });

  test('a worker killed mid-payment: its messages reappear after the visibility timeout and complete once', async () => {
    const [victim, survivor] = workers as [FlashsaleProcess, FlashsaleProcess];
    const results = await flash(TOTAL_WORKERS, TOTAL_WORKERS);
    const ids = results.map((r) => r.id);
    await waitFor(
      async () => {
        const stats = (await getJson(`${victim.url}/stats`)).body as { workers: { busy: number } };
        return stats.workers.busy > 0;
      },
      { timeoutMs: 10_000, intervalMs: 5, message: 'the victim to be paying' },
    );
    await victim.kill();
    const killedAt = Date.now();
    workers = [survivor];
    await completed(ids, 30_000);
    await chargedOnce(ids);
    const { rows } = await sql.query<{ late: number }>(
      `SELECT count(*)::int AS late FROM orders
       WHERE order_id = ANY($1) AND extract(epoch FROM processed_at) * 1000 >= $2`,
      [ids, killedAt + VISIBILITY_MS / 2],
    );
    assert.ok((rows[0]?.late ?? 0) >= 1, 'the killed worker’s orders were finished after their visibility timeout');
  });
});
