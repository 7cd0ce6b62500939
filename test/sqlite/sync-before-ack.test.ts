import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApi } from '../../src/api/server.js';
import { Checkout } from '../../src/core/checkout.js';
import { ScaledClock } from '../../src/core/clock.js';
import { Notifier } from '../../src/core/notifier.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { WalSync } from '../../src/sqlite/wal-sync.js';
import { Telemetry } from '../../src/telemetry/telemetry.js';
import { postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

/** The real WAL sync, held open while `hold` is set: the test decides when the disk "answers". */
class HeldSync {
  started = 0;
  finished = 0;
  private hold: Promise<void> | undefined;
  private release: (() => void) | undefined;
  constructor(private readonly real: WalSync) {}
  holdOpen(): void {
    this.hold = new Promise((resolve) => {
      this.release = resolve;
    });
  }
  letGo(): void {
    this.release?.();
    this.hold = undefined;
  }
  async sync(): Promise<void> {
    this.started++;
    await this.hold;
    await this.real.sync();
    this.finished++;
  }
  close(): Promise<void> {
    return this.real.close();
  }
}

const files = tempDir();
const clock = new ScaledClock(1);
let syncer: HeldSync;
let database: SqliteDatabase;
let app: FastifyInstance;
let url: string;

before(async () => {
  database = new SqliteDatabase(
    { path: join(files.dir, 'flashsale.db') },
    {
      walSyncer: (walPath) => {
        syncer = new HeldSync(new WalSync(walPath));
        return syncer;
      },
    },
  );
  const queue = 'order-processing-queue';
  const bus = new EmbeddedBus(
    { database, clock },
    {
      subscriptions: { 'order-processing-events': [queue] },
      visibilityTimeoutMs: 30_000,
      retentionMs: 4 * 86_400_000,
      maxReceiveCount: 3,
      maxBatch: 10,
      pollIntervalMs: 100,
    },
  );
  await bus.init();
  const store = new SqliteOrderStore({ database, publisher: bus });
  const logger = pino({ level: 'silent' });
  const notifier = new Notifier(
    { store, clock, logger },
    { from: 'shop@example.test', recipientDomain: 'example.test', attempts: 1 },
  );
  const checkout = new Checkout({ store, notifier, clock }, { replayDeadlineMs: 1000, holdAbandonedPayments: false });
  const telemetry = new Telemetry({ role: 'serve', version: 'test', clock, store, bus, queue });
  app = await buildApi({ checkout, store, telemetry, logger }, { docs: false });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

after(async () => {
  syncer?.letGo();
  await app?.close();
  await database?.close();
  files.cleanup();
});

test('no 202 is sent before the fsync that covers its order: none while the sync is held, all after', async () => {
  const n = 20;
  syncer.holdOpen();
  const startedBefore = syncer.started;
  const finishedBefore = syncer.finished;
  let released = false;
  const arrivals: Array<{ status: number; afterRelease: boolean; orderId: string }> = [];
  const requests = Array.from({ length: n }, (_, i) =>
    postJson<{ order_id: string }>(`${url}/orders/async`, sampleOrder(3000 + i)).then((response) => {
      arrivals.push({ status: response.status, afterRelease: released, orderId: response.body.order_id });
    }),
  );

  // Every order is committed (readable on the server's own connection) and a sync covering them has begun…
  const count = database.db.prepare('SELECT COUNT(*) AS n FROM orders');
  await waitFor(() => (count.get() as { n: number }).n === n && syncer.started > startedBefore, {
    message: 'the orders committed and their sync under way',
  });
  // …and the server has answered a later request since: a 202 sent at commit would have come first.
  assert.equal((await fetch(`${url}/health`)).status, 200);
  assert.equal(arrivals.length, 0, 'no order is answered while the fsync covering it is held');
  assert.equal(syncer.finished, finishedBefore, 'the held sync has not finished');

  released = true;
  syncer.letGo();
  await Promise.all(requests);
  assert.equal(arrivals.length, n);
  assert.deepEqual(
    arrivals.map((a) => [a.status, a.afterRelease]),
    arrivals.map(() => [202, true]),
  );
  assert.ok(syncer.finished > finishedBefore);
  // Each answered order is in the file.
  const stored = database.db.prepare('SELECT order_id FROM orders WHERE order_id = ?');
  for (const a of arrivals) assert.ok(stored.get(a.orderId), `order ${a.orderId} is stored`);
});
