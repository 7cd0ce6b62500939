import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { freePort } from '../support/child-service.js';
import { type Emulator, emulatorEnv, startEmulator } from '../support/fauxqs.js';
import { type FlashsaleProcess, startFlashsale } from '../support/flashsale-process.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';
import { closedStoreLines, GRACE, LOGS, PAYMENT, paymentsUnderWay, terminate } from './shutdown-support.js';

const probe = await probePostgres();
const ORDERS = 4;

// SIGTERM on each scaled-out role while payments (2 s at the gateway) outlast the grace period
// (200 ms): nothing is written after the process closed its store, and a restart pays nothing twice.
describe('SIGTERM mid-payment on PostgreSQL + SNS/SQS: worker, gateway, api', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let sql: pg.Client;
  let emulator: Emulator;
  let env: Record<string, string>;
  let gatewayPort: number;
  const running: Record<'gateway' | 'api' | 'worker', FlashsaleProcess | undefined> = {
    gateway: undefined,
    api: undefined,
    worker: undefined,
  };
  const live = () =>
    Object.values(running).filter(
      (p): p is FlashsaleProcess => !!p && p.child.exitCode === null && !p.child.signalCode,
    );

  // Small pools: the PostgreSQL server is shared with other tests.
  const common = ['--host', '127.0.0.1', '--pg-pool-size', '4', ...GRACE, ...LOGS];
  // Short retries (a gateway restarting is down for seconds) and a short scan (a stopped api's sync
  // orders are taken for stranded after 3 silent intervals).
  const node = () => [
    ...common,
    '--port',
    '0',
    '--bus',
    'sqs',
    '--provision',
    '--gateway-url',
    `http://127.0.0.1:${gatewayPort}`,
    '--sync-scan-interval',
    '500ms',
  ];
  const start = {
    gateway: () =>
      startFlashsale(
        'gateway',
        ['gateway', ...common, '--port', String(gatewayPort), ...PAYMENT, '--payment-slots', '0'],
        {
          env,
        },
      ),
    api: () => startFlashsale('api', ['api', ...node()], { env }),
    worker: () =>
      startFlashsale(
        'worker',
        [
          'worker',
          ...node(),
          '--workers',
          '8',
          '--retry-delay',
          '250ms',
          '--max-receive-count',
          '20',
          // A long poll cut short by the stop may still take a message at the emulator (as at SQS):
          // hidden for nobody, it comes back after this.
          '--visibility-timeout',
          '3s',
        ],
        { env },
      ),
  };

  before(async () => {
    db = await createTestDatabase('flashsale_sigterm');
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    emulator = await startEmulator();
    env = { ...emulatorEnv(emulator.endpoint), DATABASE_URL: db.url, FLASHSALE_STORE: 'postgres' };
    gatewayPort = await freePort();
    running.gateway = await start.gateway();
    [running.api, running.worker] = await Promise.all([start.api(), start.worker()]);
  });

  after(async () => {
    const counts = await Promise.all(
      live().map(async (p) => [p.name, await p.unhandledRejections().catch((e: Error) => e.message)] as const),
    );
    await Promise.all(live().map((p) => p.stop(10_000)));
    await sql?.end();
    await emulator?.stop();
    await db?.drop();
    assert.deepEqual(
      counts.filter(([, n]) => n !== 0),
      [],
      'no process counted an unhandled promise rejection',
    );
  });

  async function acceptAsync(base: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const r = await postJson<{ order_id: string }>(`${running.api?.url}/orders/async`, sampleOrder(base + i, i));
      assert.equal(r.status, 202);
      ids.push(r.body.order_id);
    }
    return ids;
  }

  /** The provider's ledger for these orders: charges, orders charged, orders charged more than once. */
  async function ledger(ids: readonly string[]) {
    const { rows } = await sql.query<{ charges: number; orders: number; twice: number }>(
      `SELECT count(*)::int AS charges, count(DISTINCT order_id)::int AS orders,
              (SELECT count(*) FROM (SELECT order_id FROM payment_ledger WHERE order_id = ANY($1)
                 AND status <> 'voided' GROUP BY order_id HAVING count(*) > 1) d)::int AS twice
       FROM payment_ledger WHERE order_id = ANY($1) AND status <> 'voided'`,
      [ids],
    );
    return rows[0];
  }

  async function completed(ids: readonly string[]) {
    await waitFor(
      async () => {
        const { rows } = await sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1) AND status = 'completed'",
          [ids],
        );
        return rows[0]?.n === ids.length;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: `${ids.length} orders to complete` },
    );
  }

  async function executed(): Promise<number> {
    const { body } = await getJson<{ payments: { executed: number } }>(`http://127.0.0.1:${gatewayPort}/stats`);
    return body.payments.executed;
  }

  /** Stops the role with SIGTERM: it exits 0 and writes nothing to a closed store; resolves to its output. */
  async function sigterm(role: keyof typeof running): Promise<string> {
    const stopping = running[role] as FlashsaleProcess;
    assert.equal(await terminate(stopping), 0, stopping.output());
    assert.deepEqual(closedStoreLines(stopping.output()), [], `${role}: nothing written after its store closed`);
    running[role] = undefined;
    return stopping.output();
  }

  test('worker: its payments end at the gateway and its messages go back; the restarted worker charges none again', async () => {
    const paidBefore = await executed();
    const ids = await acceptAsync(5000);
    await paymentsUnderWay(`http://127.0.0.1:${gatewayPort}`, ORDERS);
    await sigterm('worker');
    // The gateway finished and recorded every payment the worker had started.
    assert.deepEqual(await ledger(ids), { charges: ORDERS, orders: ORDERS, twice: 0 });

    running.worker = await start.worker();
    await completed(ids);
    await waitFor(
      async () => {
        const { body } = await getJson<{ queue: { visible: number; in_flight: number } }>(`${running.api?.url}/stats`);
        return body.queue.visible + body.queue.in_flight === 0;
      },
      { timeoutMs: 15_000, intervalMs: 200, message: 'the queue to empty: no message lost or left hidden' },
    );
    assert.deepEqual(await ledger(ids), { charges: ORDERS, orders: ORDERS, twice: 0 });
    assert.equal((await executed()) - paidBefore, ORDERS, 'each order paid once at the gateway');
  });

  test('gateway: it records the payments under way before its ledger closes; a restart pays none of them again', async () => {
    const ids = await acceptAsync(6000);
    await paymentsUnderWay(`http://127.0.0.1:${gatewayPort}`, ORDERS);
    await sigterm('gateway');
    // The ledger holds every payment that was under way, the moment the gateway has exited.
    assert.deepEqual(await ledger(ids), { charges: ORDERS, orders: ORDERS, twice: 0 });

    running.gateway = await start.gateway();
    await completed(ids);
    assert.deepEqual(await ledger(ids), { charges: ORDERS, orders: ORDERS, twice: 0 });
    assert.equal(await executed(), 0, 'the restarted gateway paid nothing again');
  });

  test('api: a sync order paid inline when SIGTERM arrives ends completed with one charge', async () => {
    const api = running.api as FlashsaleProcess;
    const answer = postJson<{ order_id?: string; status?: string }>(`${api.url}/orders/sync`, sampleOrder(7000)).catch(
      (error: Error) => error,
    );
    await paymentsUnderWay(api.url, 1);
    await sigterm('api');
    const answered = await answer;
    running.api = await start.api();
    // The api finished it before exiting (then its client had the answer), or sync recovery settles it now.
    let id = answered instanceof Error ? undefined : answered.body.order_id;
    if (answered instanceof Error || answered.status !== 200) {
      const { rows } = await sql.query<{ order_id: string }>(
        "SELECT order_id FROM orders WHERE mode = 'sync' AND customer_id = 7000",
      );
      id = rows[0]?.order_id;
    } else assert.equal(answered.body.status, 'completed');
    assert.ok(id, 'the sync order was stored');
    await completed([id]);
    assert.deepEqual(await ledger([id]), { charges: 1, orders: 1, twice: 0 });
  });
});
