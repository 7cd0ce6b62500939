import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import { Notifier } from '../../src/core/notifier.js';
import type { Logger } from '../../src/core/ports.js';
import { SimulatedGateway } from '../../src/payment/simulated-gateway.js';
import { OrderProcessor } from '../../src/processor/order-processor.js';
import { embeddedBusOptions, notifierOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { SqlitePaymentLedger } from '../../src/sqlite/payment-ledger.js';
import { order } from '../contracts/store-contract.js';
import { faultInjecting } from '../support/fault-injection.js';
import { PROCESSOR_OPTIONS } from '../support/loop-options.js';
import { countUnhandledRejections, recordingLogger, runUntil } from '../support/manual-time.js';
import { tempDir, waitFor } from '../support/service.js';

const QUEUE = 'order-processing-queue';

/** The embedded store, bus and simulated gateway on one SQLite file, on a manual clock; the processor's store can be cut off. */
async function world(logger: Logger, workers: number) {
  const { dir, cleanup } = tempDir('flashsale-faults-');
  const clock = new ManualClock();
  const database = new SqliteDatabase({ path: join(dir, 'f.db') });
  // The bus looks for messages every 2 real ms, so that a message made visible by moving the clock is seen at once.
  const bus = new EmbeddedBus({ database, clock }, { ...embeddedBusOptions(DEFAULT_CONFIG), pollIntervalMs: 2 });
  const real = new SqliteOrderStore({ database, publisher: bus });
  const store = faultInjecting(real);
  const ledger = new SqlitePaymentLedger({ database });
  const gateway = new SimulatedGateway({ clock, ledger }, { ...DEFAULT_CONFIG.payment, latencyMs: 3000, slots: 0 });
  await Promise.all([bus.init(), real.init(), gateway.init()]);
  const notifier = new Notifier({ store: real, clock, logger }, notifierOptions(DEFAULT_CONFIG));
  const health = new DependencyHealth({ clock, logger });
  const processor = new OrderProcessor(
    { store, bus, gateway, notifier, clock, logger, health },
    { ...PROCESSOR_OPTIONS, workers },
  );
  const accept = async (n: number) => {
    for (let i = 0; i < n; i++) await real.accept({ order: order('async', 1000 + i), publish: true });
  };
  const close = async () => {
    await gateway.close();
    await bus.close();
    await database.close();
    cleanup();
  };
  return { clock, bus, real, store, ledger, gateway, health, processor, accept, close };
}

describe('order processor on a failing store', () => {
  test('a store that fails for a while: the processor keeps running, takes nothing meanwhile, then pays every order once', async () => {
    const unhandled = countUnhandledRejections();
    const logger = recordingLogger();
    const w = await world(logger, 5);
    try {
      await w.accept(10);
      w.store.failing = true;
      w.processor.start();
      // The first five messages fail on the store and go back; then only probes touch the store.
      await runUntil(w.clock, () => (w.health.status('store')?.failures ?? 0) >= 8, { message: 'store probed' });
      const refusedAtProbes = w.store.refused;
      const depth = await w.bus.depth(QUEUE);
      assert.deepEqual([depth.visible, depth.inFlight, depth.deadLetters], [10, 0, 0], 'every message back, none lost');
      assert.equal(await w.ledger.count(), 0);
      assert.equal(w.processor.stats().busy, 0, 'no message is held during the outage');

      w.store.failing = false;
      const counts = await runUntil(
        w.clock,
        async () => {
          const c = await w.real.countByStatus();
          return c.completed === 10 ? c : undefined;
        },
        { message: 'every order completed' },
      );
      assert.equal(counts.failed, 0);
      assert.equal(await w.ledger.count(), 10, 'each order charged once');
      assert.equal(await w.ledger.duplicates(), 0);
      await runUntil(w.clock, async () => {
        const d = await w.bus.depth(QUEUE);
        return d.visible + d.inFlight === 0;
      });
      assert.ok(refusedAtProbes >= 8);
      assert.equal(w.health.status('store')?.up, true);
      assert.deepEqual(logger.at('warn'), ['store is unavailable; retrying with backoff until it answers']);
      assert.equal(logger.at('info').filter((m) => m.startsWith('store is back')).length, 1);
      assert.equal(logger.at('error').length, 0);
      await w.processor.stop(1000);
      assert.equal(unhandled.count(), 0, 'no unhandled rejection');
    } finally {
      unhandled.stop();
      await w.close();
    }
  });
});

describe('order processor: stop and abort on a manual clock', () => {
  test('stop ends the long poll at once, waits the grace period, then releases the messages still being paid', async () => {
    const w = await world(recordingLogger(), 2);
    try {
      w.processor.start();
      // The receive is long-polling (20 s) on an empty queue: only abort can end it before time moves.
      await w.accept(2);
      await waitFor(() => w.gateway.stats().inFlight === 2, { message: 'two payments under way' });
      let stopped = false;
      const stopping = w.processor.stop(1000).then(() => (stopped = true));
      await w.clock.untilSleepingFor(1000);
      await w.clock.advance(999);
      assert.equal(stopped, false);
      assert.equal((await w.bus.depth(QUEUE)).inFlight, 2);
      await w.clock.advance(1);
      await stopping;
      const depth = await w.bus.depth(QUEUE);
      assert.deepEqual([depth.visible, depth.inFlight], [2, 0], 'both messages are visible again at once');
      assert.equal(w.clock.monotonic(), 1000, 'neither the 20 s long poll nor the 3 s payments were waited for');
      await w.clock.advance(3000);
      await waitFor(async () => (await w.ledger.count()) === 2, { message: 'the payments end on their own' });
    } finally {
      await w.close();
    }
  });

  test('settled is heard by every listener, once per order', async () => {
    const w = await world(recordingLogger(), 3);
    try {
      const heard: string[][] = [[], []];
      for (const list of heard) w.processor.on('settled', ({ order }) => list.push(order.order_id));
      w.processor.start();
      await w.accept(3);
      await runUntil(w.clock, () => heard[1]?.length === 3, { message: 'three orders settled' });
      assert.deepEqual(heard[0], heard[1]);
      assert.equal(new Set(heard[0]).size, 3);
      assert.equal(w.processor.stats().completed, 3);
      await w.processor.stop(1000);
    } finally {
      await w.close();
    }
  });
});
