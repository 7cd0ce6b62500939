import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { DependencyHealth } from '../../src/core/health.js';
import { ManualClock } from '../../src/core/manual-clock.js';
import {
  type DeliveryOutcome,
  PushDispatcher,
  type PushDispatcherOptions,
} from '../../src/serverless/push-dispatcher.js';
import type { SnsEvent } from '../../src/serverless/sns-event.js';
import { embeddedBusOptions } from '../../src/service/options.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { EmbeddedBus } from '../../src/sqlite/embedded-bus.js';
import { recordingLogger } from '../support/manual-time.js';
import { tempDir, waitFor } from '../support/service.js';

const QUEUE = 'order-processing-queue';
const TOPIC = 'order-processing-events';
const OPTIONS: PushDispatcherOptions = {
  queue: QUEUE,
  topic: TOPIC,
  concurrency: 10,
  retries: 2,
  retryDelayMs: 60_000,
  failureDestination: false,
  visibilityTimeoutMs: 30_000,
  waitTimeMs: 20_000,
  backoff: { baseMs: 100, maxMs: 5000 },
};

/** A dispatcher on a real embedded bus and a manual clock, invoking `invoke`. */
async function dispatcherWith(invoke: (event: SnsEvent) => Promise<unknown>) {
  const { dir, cleanup } = tempDir('flashsale-push-');
  const clock = new ManualClock();
  const logger = recordingLogger();
  const database = new SqliteDatabase({ path: join(dir, 'f.db') });
  const bus = new EmbeddedBus({ database, clock }, { ...embeddedBusOptions(DEFAULT_CONFIG), pollIntervalMs: 2 });
  await bus.init();
  const health = new DependencyHealth({ clock, logger });
  const dispatcher = new PushDispatcher({ bus, clock, logger, health, invoke }, OPTIONS);
  const outcomes: DeliveryOutcome[] = [];
  dispatcher.on('delivery', (_, outcome) => outcomes.push(outcome));
  return {
    clock,
    bus,
    dispatcher,
    outcomes,
    close: async () => {
      await bus.close();
      await database.close();
      cleanup();
    },
  };
}

describe('push dispatcher on a manual clock', () => {
  test('a failing function is invoked again exactly 1 and then 2 minutes later, then the message is dropped', async () => {
    const attemptsAt: number[] = [];
    const { clock, bus, dispatcher, outcomes, close } = await dispatcherWith(async () => {
      attemptsAt.push(clock.monotonic());
      throw new Error('function failed');
    });
    try {
      dispatcher.start();
      await bus.publish(TOPIC, ['{"order_id":"o-1"}']);
      await waitFor(() => outcomes.length === 1, { message: 'first attempt settled' });
      await clock.advance(59_999);
      assert.equal((await bus.depth(QUEUE)).visible, 0, 'not due before one minute');
      await clock.advance(1);
      await waitFor(() => outcomes.length === 2, { message: 'second attempt' });
      await clock.advance(119_999);
      assert.equal((await bus.depth(QUEUE)).visible, 0, 'not due before two more minutes');
      await clock.advance(1);
      await waitFor(() => outcomes.length === 3, { message: 'third attempt' });
      assert.deepEqual(attemptsAt, [0, 60_000, 180_000]);
      assert.deepEqual(outcomes, ['retried', 'retried', 'dropped']);
      assert.deepEqual(dispatcher.stats(), {
        concurrency: 10,
        inFlight: 0,
        invocations: 3,
        delivered: 0,
        retried: 2,
        dropped: 1,
        sentToFailureDestination: 0,
      });
      const depth = await bus.depth(QUEUE);
      assert.deepEqual([depth.visible, depth.inFlight, depth.deadLetters], [0, 0, 0], 'the message is gone');
    } finally {
      await dispatcher.stop(0);
      await close();
    }
  });

  test('stop releases the invocations still running after the grace period, for the next start', async () => {
    let finish = () => {};
    const { clock, bus, dispatcher, outcomes, close } = await dispatcherWith(
      () => new Promise<void>((resolve) => (finish = resolve)),
    );
    try {
      dispatcher.start();
      await bus.publish(TOPIC, ['{"order_id":"o-2"}']);
      await waitFor(() => dispatcher.stats().inFlight === 1, { message: 'invocation running' });
      const stopping = dispatcher.stop(500);
      await clock.untilSleepingFor(500);
      await clock.advance(500);
      await stopping;
      assert.equal((await bus.depth(QUEUE)).visible, 1, 'released at once, not after its visibility timeout');
      assert.deepEqual(outcomes, [], 'the invocation had not ended');
      finish();
      await waitFor(() => dispatcher.stats().inFlight === 0, { message: 'the invocation ends after the stop' });
    } finally {
      await close();
    }
  });
});
