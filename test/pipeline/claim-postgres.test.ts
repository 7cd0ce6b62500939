import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { DependencyHealth } from '../../src/core/health.js';
import { Notifier } from '../../src/core/notifier.js';
import { newOrder, orderMessage } from '../../src/core/order.js';
import type { OrderStore } from '../../src/core/ports.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { PostgresPaymentLedger } from '../../src/postgres/payment-ledger.js';
import { OrderProcessor } from '../../src/processor/order-processor.js';
import { embeddedBusOptions, notifierOptions, processorOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { sampleOrder } from '../support/orders.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { tempDir, waitFor } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const TOPIC = 'order-processing-events';
const QUEUE = 'order-processing-queue';
const probe = await probePostgres();

describe('a worker on PostgreSQL whose claim fails', { skip: probe.skip }, () => {
  const logger = pino({ level: 'silent' });
  const clock = new ScaledClock(0.05);
  const { dir, cleanup } = tempDir();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let db: TestDatabase;
  let proxy: TcpProxy;
  let storeDb: PostgresDatabase;
  let ledgerDb: PostgresDatabase;
  let busDb: SqliteDatabase;

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    db = await createTestDatabase('flashsale_claim');
    proxy = await new TcpProxy({ host: '127.0.0.1', port: 5432 }).start();
    // The worker reaches its store through a proxy the test cuts; the provider's ledger is another system.
    storeDb = new PostgresDatabase(
      { logger },
      { ...DEFAULT_CONFIG.postgres, url: db.urlVia(proxy.port), connectTimeoutMs: 500 },
    );
    ledgerDb = new PostgresDatabase({ logger }, { ...DEFAULT_CONFIG.postgres, url: db.url });
    await storeDb.init();
    await ledgerDb.init();
    busDb = new SqliteDatabase({ path: join(dir, 'bus.db') });
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await busDb?.close();
    await storeDb?.close();
    await ledgerDb?.close();
    await proxy?.stop();
    await db?.drop();
    cleanup();
  });

  test('does not crash the worker: nothing is charged until a claim succeeds, then the order completes once', async () => {
    const store = new PostgresOrderStore({ database: storeDb, outbox: new PostgresOutbox({ database: storeDb }) });
    const ledger = new PostgresPaymentLedger({ database: ledgerDb });
    const gateway = new SimulatedGateway({ clock, ledger }, { ...DEFAULT_CONFIG.payment, latencyMs: 3000, slots: 0 });
    const bus = new EmbeddedBus(
      { database: busDb, clock },
      { ...embeddedBusOptions(DEFAULT_CONFIG), subscriptions: { [TOPIC]: [QUEUE] } },
    );
    await bus.init();
    // The connection drops exactly as the worker claims the order (pg_terminate_backend, a failover).
    let failedClaims = 0;
    const flaky = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'transition') return Reflect.get(target, property, receiver);
        const transition: OrderStore['transition'] = async (id, from, patch, note) => {
          if (patch.status === 'processing' && failedClaims === 0) {
            await proxy.stop();
            try {
              return await target.transition(id, from, patch, note);
            } finally {
              failedClaims++;
            }
          }
          return target.transition(id, from, patch, note);
        };
        return transition;
      },
    });
    const notifier = new Notifier({ store: flaky, clock, logger }, notifierOptions(DEFAULT_CONFIG));
    const health = new DependencyHealth({ clock, logger });
    const processor = new OrderProcessor(
      { store: flaky, bus, gateway, notifier, clock, logger, health },
      { ...processorOptions(DEFAULT_CONFIG), queue: QUEUE, workers: 2, visibilityTimeoutMs: 2000, waitTimeMs: 1000 },
    );

    const order = newOrder(sampleOrder(8100), randomUUID(), 'async', clock.now());
    await store.accept({ order, publish: true });
    await bus.publish(TOPIC, [JSON.stringify(orderMessage(order))]);
    processor.start();
    try {
      await waitFor(() => failedClaims === 1, { message: 'the claim failed' });
      assert.equal(gateway.stats().inFlight, 0, 'no charge runs beside a failed claim');
      assert.equal(await ledger.count(), 0);
      // The message went back to the queue; while the store stays down the worker only probes it
      // (a failed probe is one more failure on record) and charges nothing.
      await waitFor(() => (health.status('store')?.failures ?? 0) >= 3, {
        message: 'the worker probed the store again and again',
      });
      assert.equal(await ledger.count(), 0);
      assert.equal(gateway.stats().inFlight, 0);

      await proxy.start();
      const completed = await waitFor(
        async () => {
          const now = await store.get(order.order_id);
          return now?.status === 'completed' ? now : undefined;
        },
        { timeoutMs: 10_000, message: 'the order completed once the store was back' },
      );
      assert.equal(completed.status, 'completed');
      assert.equal(await ledger.count(), 1);
      assert.equal(await ledger.duplicates(), 0);
      assert.equal((await store.notifications({ orderId: order.order_id })).length, 1);
      assert.equal(processor.stats().completed, 1);
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
    } finally {
      await processor.stop(2000);
      await bus.close();
    }
  });
});
