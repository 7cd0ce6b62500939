import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { ScaledClock } from '../../src/core/clock.js';
import { DependencyHealth } from '../../src/core/health.js';
import type { Outbox } from '../../src/core/outbox.js';
import type { MessageBus, OrderStore } from '../../src/core/ports.js';
import { OutboxRelay, type OutboxRelayOptions } from '../../src/outbox/outbox-relay.js';
import { sqsBusOptions } from '../../src/service/options.js';
import { SqsBus } from '../../src/sns-sqs/sqs-bus.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { SqliteOrderStore } from '../../src/sqlite/order-store.js';
import { SqliteOutbox } from '../../src/sqlite/outbox.js';
import { order } from '../contracts/store-contract.js';
import { EMULATOR_AWS, type Emulator, startEmulator, uniqueName } from '../support/fauxqs.js';
import { tempDir, waitFor } from '../support/service.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const logger = pino({ level: 'silent' });
const clock = new ScaledClock(0.01);
const RELAY: OutboxRelayOptions = {
  batchSize: 100,
  publishBatch: 10,
  pollIntervalMs: 200,
  leaseMs: 30_000,
  backoff: { baseMs: 100, maxMs: 5000 },
  keepSentMs: 3_600_000,
};

describe('outbox relay: SQLite store → SNS/SQS', () => {
  let emulator: Emulator;
  let proxy: TcpProxy;
  const cleanups: Array<() => Promise<void> | void> = [];

  before(async () => {
    emulator = await startEmulator();
    proxy = await new TcpProxy({ host: '127.0.0.1', port: emulator.port }).start();
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await proxy.stop();
    await emulator.stop();
  });

  async function setup(): Promise<{
    store: OrderStore;
    outbox: Outbox;
    bus: MessageBus;
    topic: string;
    queue: string;
  }> {
    const { dir, cleanup } = tempDir('flashsale-relay-');
    const database = new SqliteDatabase({ path: join(dir, 'store.db') });
    const topic = uniqueName('relay-topic');
    const queue = uniqueName('relay-queue');
    const outbox = new SqliteOutbox({ database, clock });
    const store = new SqliteOrderStore({ database, publisher: outbox }, { topic });
    const bus = new SqsBus(
      { clock, logger },
      {
        ...sqsBusOptions(DEFAULT_CONFIG),
        endpoint: `http://127.0.0.1:${proxy.port}`,
        ...EMULATOR_AWS,
        subscriptions: { [topic]: [queue] },
        provision: true,
        sweepWaitSeconds: 0,
      },
    );
    await bus.init();
    cleanups.push(async () => {
      await bus.close();
      await database.close();
      cleanup();
    });
    return { store, outbox, bus, topic, queue };
  }

  /** Receives until `n` distinct messages arrived; fails on a duplicate. */
  async function receiveAll(bus: MessageBus, queue: string, n: number): Promise<string[]> {
    const bodies = new Map<string, string>();
    await waitFor(
      async () => {
        for (const m of await bus.receive(queue, { maxMessages: 10, waitMs: 5000 })) {
          const id = JSON.parse(m.body).order_id as string;
          assert.ok(!bodies.has(id), `order ${id} was published twice`);
          bodies.set(id, m.body);
          await bus.ack(queue, m.receipt);
        }
        return bodies.size >= n;
      },
      { timeoutMs: 20_000, intervalMs: 1, message: `${n} messages` },
    );
    return [...bodies.keys()];
  }

  test('two relays publish every accepted order once, in batches, and mark them sent', async () => {
    const { store, outbox, bus, queue } = await setup();
    const health = new DependencyHealth({ clock, logger });
    const relays = [1, 2].map(
      () => new OutboxRelay({ outbox, bus, clock, logger, health }, { ...RELAY, batchSize: 25 }),
    );
    for (const relay of relays) relay.start();
    cleanups.push(() => Promise.all(relays.map((r) => r.stop())).then(() => undefined));
    const orders = Array.from({ length: 120 }, (_, i) => order('async', 1000 + i));
    await Promise.all(orders.map((o) => store.accept({ order: o, publish: true })));
    const received = await receiveAll(bus, queue, orders.length);
    assert.deepEqual(received.sort(), orders.map((o) => o.order_id).sort());
    await waitFor(async () => (await outbox.counts()).sent === orders.length, { timeoutMs: 5000 });
    const stats = relays.map((r) => r.stats());
    assert.equal(stats[0]!.published + stats[1]!.published, orders.length);
    assert.ok(
      stats.every((s) => s.batches < orders.length),
      'messages go out in batches',
    );
  });

  test('while the bus is unreachable orders wait in the outbox; they are all published when it is back', async () => {
    const { store, outbox, bus, queue } = await setup();
    const health = new DependencyHealth({ clock, logger });
    const relay = new OutboxRelay(
      { outbox, bus, clock, logger, health },
      { ...RELAY, backoff: { baseMs: 100, maxMs: 200 } },
    );
    relay.start();
    cleanups.push(() => relay.stop());
    await proxy.stop();
    const orders = Array.from({ length: 30 }, (_, i) => order('async', 2000 + i));
    try {
      for (const o of orders) assert.equal((await store.accept({ order: o, publish: true })).kind, 'created');
      await waitFor(() => relay.stats().failures >= 2, { timeoutMs: 10_000, message: 'the relay to fail' });
      assert.equal((await outbox.counts()).pending, orders.length);
      assert.equal(health.status('bus')?.up, false, '/stats dependencies shows the bus down');
    } finally {
      await proxy.start();
    }
    const received = await receiveAll(bus, queue, orders.length);
    assert.equal(received.length, orders.length);
    await waitFor(async () => (await outbox.counts()).pending === 0, { timeoutMs: 5000 });
    assert.equal(health.status('bus')?.up, true, 'and up again, with no restart');
    assert.equal(health.status('bus')?.outages, 1, 'one outage, however many retries');
  });
});
