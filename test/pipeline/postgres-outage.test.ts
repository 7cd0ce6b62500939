import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { DependencyHealth } from '../../src/core/health.js';
import { Notifier } from '../../src/core/notifier.js';
import { orderMessage } from '../../src/core/order.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { OrderProcessor } from '../../src/processor/order-processor.js';
import { embeddedBusOptions, notifierOptions, postgresOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { order } from '../contracts/store-contract.js';
import { PROCESSOR_OPTIONS } from '../support/loop-options.js';
import { countUnhandledRejections, recordingLogger } from '../support/manual-time.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { tempDir, waitFor } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const QUEUE = 'order-processing-queue';
const TOPIC = 'order-processing-events';
const probe = await probePostgres();

describe('order processor on PostgreSQL while the database is unreachable', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  before(async () => {
    db = await createTestDatabase('flashsale_outage');
    proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
  });
  after(async () => {
    await proxy.stop();
    await db.drop();
  });

  test('the processor keeps running, takes no message while PostgreSQL refuses, and pays every order once it is back', async (t) => {
    const unhandled = countUnhandledRejections();
    const { dir, cleanup } = tempDir('flashsale-pg-outage-');
    const logger = recordingLogger();
    const clock = new ScaledClock(0.01);
    const database = new PostgresDatabase(
      { logger },
      { ...postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: db.urlVia(proxy.port) }), connectTimeoutMs: 500 },
    );
    const store = new PostgresOrderStore({ database, outbox: new PostgresOutbox({ database }) }, { topic: TOPIC });
    // Messages and the provider's ledger stay in SQLite: only the order store goes away.
    const local = new SqliteDatabase({ path: join(dir, 'bus.db') });
    const bus = new EmbeddedBus(
      { database: local, clock },
      { ...embeddedBusOptions(DEFAULT_CONFIG), pollIntervalMs: 5 },
    );
    const gateway = new SimulatedGateway(
      { clock, ledger: new SqlitePaymentLedger({ database: local }) },
      { ...DEFAULT_CONFIG.payment, slots: 0 },
    );
    const health = new DependencyHealth({ clock, logger });
    const processor = new OrderProcessor(
      {
        store,
        bus,
        gateway,
        notifier: new Notifier({ store, clock, logger }, notifierOptions(DEFAULT_CONFIG)),
        clock,
        logger,
        health,
      },
      { ...PROCESSOR_OPTIONS, backoff: { baseMs: 20, maxMs: 200 } },
    );
    try {
      await database.init();
      await Promise.all([bus.init(), gateway.init()]);
      const orders = Array.from({ length: 10 }, (_, i) => order('async', 3000 + i));
      for (const o of orders) await store.accept({ order: o, publish: false });

      await proxy.stop();
      processor.start();
      await bus.publish(
        TOPIC,
        orders.map((o) => JSON.stringify(orderMessage(o))),
      );
      await waitFor(() => (health.status('store')?.failures ?? 0) >= 10, {
        message: 'the store refused and was probed again',
      });
      const during = await bus.depth(QUEUE);
      assert.deepEqual([during.visible, during.inFlight, during.deadLetters], [10, 0, 0], 'no message held or lost');
      assert.equal(await gateway.stats().executed, 0);

      const refused = health.status('store')?.failures;
      const back = performance.now();
      await proxy.start();
      await waitFor(async () => (await store.countByStatus().catch(() => undefined))?.completed === orders.length, {
        timeoutMs: 20_000,
        message: 'every order completed after the database came back',
      });
      t.diagnostic(
        `${refused} refused calls during the outage; all ${orders.length} paid ${Math.round(performance.now() - back)} ms after the database came back`,
      );
      assert.equal(gateway.stats().executed, orders.length, 'each order charged once');
      assert.equal(health.status('store')?.up, true);
      // The loop's own lines, once each; the driver's "idle connection lost" is the adapter's.
      assert.deepEqual(
        logger.at('warn').filter((m) => m.startsWith('store')),
        ['store is unavailable; retrying with backoff until it answers'],
      );
      assert.equal(logger.at('info').filter((m) => m.startsWith('store is back')).length, 1);
      assert.equal(unhandled.count(), 0);
    } finally {
      unhandled.stop();
      await proxy.start();
      await processor.stop(1000);
      await gateway.close();
      await bus.close();
      await local.close();
      await database.close();
      cleanup();
    }
  });
});
