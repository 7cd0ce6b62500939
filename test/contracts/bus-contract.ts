import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clock, ScaledClock } from '../../src/core/clock.js';
import type { BusMessage, MessageBus } from '../../src/core/ports.js';
import { waitFor } from '../support/service.js';

export interface BusFixture {
  bus: MessageBus;
  topic: string;
  queue: string;
  cleanup(): Promise<void>;
}

export interface BusFixtureOptions {
  clock: Clock;
  /** Simulated ms a received message stays hidden. */
  visibilityTimeoutMs: number;
  /** Deliveries before the bus dead-letters a message by itself. */
  maxReceiveCount: number;
}

export interface BusContractSettings {
  /** Time scale of the suite's clock; the visibility timeout of 30 simulated s lasts 30 000 × scale real ms. */
  timeScale: number;
  /** Started once before the suite (an emulator), stopped after it. */
  setup?: () => Promise<() => Promise<void>>;
}

const VISIBILITY = 30_000;

/**
 * The MessageBus contract: what every adapter (embedded, SNS/SQS) must do the
 * same way. Durations are simulated; each adapter picks a time scale at which
 * they are short but representable (SQS counts whole seconds).
 */
export function busContract(
  name: string,
  factory: (options: BusFixtureOptions) => Promise<BusFixture>,
  settings: BusContractSettings,
): void {
  describe(`MessageBus contract: ${name}`, () => {
    const clock = new ScaledClock(settings.timeScale);
    const visibleAgainMs = clock.scale(VISIBILITY);
    let teardown: (() => Promise<void>) | undefined;
    const fixtures: BusFixture[] = [];
    before(async () => {
      teardown = await settings.setup?.();
    });
    after(async () => {
      for (const f of fixtures) await f.cleanup();
      await teardown?.();
    });
    const open = async (maxReceiveCount = 5) => {
      const fixture = await factory({ clock, visibilityTimeoutMs: VISIBILITY, maxReceiveCount });
      fixtures.push(fixture);
      return fixture;
    };
    /** Receives until a message arrives (or the deadline passes). */
    const next = async (f: BusFixture, deadlineMs = visibleAgainMs * 4 + 2000): Promise<BusMessage> => {
      const [message] = await waitFor(
        async () => {
          const got = await f.bus.receive(f.queue, { maxMessages: 1, waitMs: VISIBILITY / 10 });
          return got.length > 0 ? got : undefined;
        },
        { timeoutMs: deadlineMs, intervalMs: 1, message: 'a message to arrive' },
      );
      return message as BusMessage;
    };
    const depth = (f: BusFixture, expected: { visible: number; inFlight: number; deadLetters: number }) =>
      waitFor(
        async () => {
          const d = await f.bus.depth(f.queue);
          return d.visible === expected.visible &&
            d.inFlight === expected.inFlight &&
            d.deadLetters === expected.deadLetters
            ? d
            : undefined;
        },
        { timeoutMs: 5000, intervalMs: 20, message: `depth ${JSON.stringify(expected)}` },
      );

    test('a published message is received once, with its body, id, receipt, count and send time', async () => {
      const f = await open();
      const before = Date.now();
      await f.bus.publish(f.topic, ['{"order_id":"o-1"}']);
      const got = await f.bus.receive(f.queue, { maxMessages: 10, waitMs: VISIBILITY });
      assert.equal(got.length, 1);
      const [m] = got as [BusMessage];
      assert.equal(m.body, '{"order_id":"o-1"}');
      assert.ok(m.id.length > 0 && m.receipt.length > 0);
      assert.equal(m.receiveCount, 1);
      assert.ok(m.sentAt >= before - 1000 && m.sentAt <= Date.now() + 1000, `sentAt ${m.sentAt}`);
      assert.deepEqual(await f.bus.receive(f.queue, { maxMessages: 10, waitMs: 0 }), []);
    });

    test('a receive returns at most 10 messages; repeated receives deliver all of a batch once', async () => {
      const f = await open();
      const bodies = Array.from({ length: 15 }, (_, i) => `m-${i}`);
      await f.bus.publish(f.topic, bodies);
      const first = await f.bus.receive(f.queue, { maxMessages: 25, waitMs: VISIBILITY });
      assert.ok(first.length >= 1 && first.length <= 10, `got ${first.length}`);
      const seen = new Map(first.map((m) => [m.id, m.body]));
      await waitFor(
        async () => {
          for (const m of await f.bus.receive(f.queue, { maxMessages: 10, waitMs: VISIBILITY / 10 })) {
            assert.ok(!seen.has(m.id), 'a message was delivered twice while hidden');
            seen.set(m.id, m.body);
          }
          return seen.size === 15;
        },
        { timeoutMs: 10_000, intervalMs: 1 },
      );
      assert.deepEqual([...seen.values()].sort(), [...bodies].sort());
    });

    test('a long poll returns as soon as a message arrives, not at the end of its wait', async () => {
      const f = await open();
      const waitMs = 60_000;
      const started = performance.now();
      const receiving = f.bus.receive(f.queue, { maxMessages: 10, waitMs });
      setTimeout(() => void f.bus.publish(f.topic, ['late']), 50);
      const got = await receiving;
      const elapsed = performance.now() - started;
      assert.deepEqual(
        got.map((m) => m.body),
        ['late'],
      );
      assert.ok(
        elapsed < clock.scale(waitMs) / 2,
        `took ${Math.round(elapsed)} ms of a ${clock.scale(waitMs)} ms wait`,
      );
    });

    test('a received message is hidden for the visibility timeout, then delivered again', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['hide-me']);
      const first = await next(f);
      const receivedAt = performance.now();
      assert.deepEqual(await f.bus.receive(f.queue, { maxMessages: 10, waitMs: 0 }), []);
      const again = await next(f);
      const hiddenFor = performance.now() - receivedAt;
      assert.equal(again.id, first.id);
      assert.equal(again.receiveCount, 2);
      assert.notEqual(again.receipt, first.receipt);
      assert.ok(hiddenFor >= visibleAgainMs * 0.9, `visible again after ${Math.round(hiddenFor)} ms`);
    });

    test('extending the visibility keeps a message hidden past its first timeout', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['keep-hidden']);
      const m = await next(f);
      assert.equal(await f.bus.extend(f.queue, m.receipt, VISIBILITY * 3), true);
      // A long poll that outlasts the original timeout must come back empty.
      const during = await f.bus.receive(f.queue, { maxMessages: 10, waitMs: VISIBILITY * 1.5 });
      assert.deepEqual(during, []);
      assert.equal(await f.bus.release(f.queue, m.receipt), true);
      assert.equal((await next(f)).id, m.id);
    });

    test('ack deletes with the current receipt and refuses a stale one', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['ack-me']);
      const first = await next(f);
      const second = await next(f);
      assert.equal(second.id, first.id);
      assert.equal(await f.bus.ack(f.queue, first.receipt), false, 'a stale receipt must not delete');
      assert.equal(await f.bus.ack(f.queue, second.receipt), true);
      await depth(f, { visible: 0, inFlight: 0, deadLetters: 0 });
      assert.equal(await f.bus.ack(f.queue, second.receipt), false, 'a deleted message cannot be acked again');
    });

    test('release makes a message visible again (now or after a delay) and counts each delivery', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['retry-me']);
      const first = await next(f);
      assert.equal(await f.bus.release(f.queue, first.receipt), true);
      const second = await next(f, visibleAgainMs / 2);
      assert.equal(second.id, first.id);
      assert.equal(second.receiveCount, 2);
      assert.equal(await f.bus.release(f.queue, second.receipt, VISIBILITY / 2), true);
      assert.deepEqual(await f.bus.receive(f.queue, { maxMessages: 10, waitMs: 0 }), []);
      const third = await next(f);
      assert.equal(third.receiveCount, 3);
      assert.equal(await f.bus.release(f.queue, first.receipt), false, 'a stale receipt cannot release');
    });

    test('a message received maxReceiveCount times moves to the dead-letter queue by itself', async () => {
      const f = await open(2);
      await f.bus.publish(f.topic, ['poison']);
      for (let i = 1; i <= 2; i++) {
        const m = await next(f);
        assert.equal(m.receiveCount, i);
        await f.bus.release(f.queue, m.receipt);
      }
      assert.deepEqual(await f.bus.receive(f.queue, { maxMessages: 10, waitMs: VISIBILITY / 10 }), []);
      await depth(f, { visible: 0, inFlight: 0, deadLetters: 1 });
      const letters = await f.bus.listDeadLetters(f.queue);
      assert.equal(letters.length, 1);
      assert.equal(letters[0]?.body, 'poison');
      assert.ok((letters[0]?.reason ?? '').length > 0);
    });

    test('deadLetter moves a delivered message with its reason; a stale receipt is refused', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['declined', 'other']);
      const got = await f.bus.receive(f.queue, { maxMessages: 10, waitMs: VISIBILITY });
      const m = got.find((x) => x.body === 'declined') ?? (await next(f));
      assert.equal(await f.bus.deadLetter(f.queue, m.receipt, 'order o-9 does not exist'), true);
      assert.equal(await f.bus.deadLetter(f.queue, m.receipt, 'again'), false);
      const letters = await f.bus.listDeadLetters(f.queue);
      assert.equal(letters.length, 1);
      assert.equal(letters[0]?.body, 'declined');
      assert.equal(letters[0]?.reason, 'order o-9 does not exist');
      assert.equal(letters[0]?.receiveCount, m.receiveCount);
    });

    test('depth counts visible, in-flight and dead-lettered messages', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['a', 'b', 'c', 'd']);
      await depth(f, { visible: 4, inFlight: 0, deadLetters: 0 });
      const one = await next(f);
      await depth(f, { visible: 3, inFlight: 1, deadLetters: 0 });
      await f.bus.deadLetter(f.queue, one.receipt, 'unreadable');
      const two = await next(f);
      await f.bus.ack(f.queue, two.receipt);
      await depth(f, { visible: 2, inFlight: 0, deadLetters: 1 });
    });

    test('dead letters can be listed and redriven, some by id or all, and arrive as new deliveries', async () => {
      const f = await open();
      await f.bus.publish(f.topic, ['x', 'y', 'z']);
      for (let i = 0; i < 3; i++) {
        const m = await next(f);
        assert.equal(await f.bus.deadLetter(f.queue, m.receipt, `reason ${m.body}`), true);
      }
      const letters = await f.bus.listDeadLetters(f.queue);
      assert.deepEqual(letters.map((l) => l.body).sort(), ['x', 'y', 'z']);
      assert.equal((await f.bus.listDeadLetters(f.queue, 2)).length, 2);
      const y = letters.find((l) => l.body === 'y');
      assert.ok(y);
      assert.equal(await f.bus.redrive(f.queue, [y.id]), 1);
      await depth(f, { visible: 1, inFlight: 0, deadLetters: 2 });
      const back = await next(f);
      assert.equal(back.body, 'y');
      assert.equal(back.receiveCount, 1);
      assert.equal(await f.bus.redrive(f.queue), 2);
      assert.deepEqual(await f.bus.listDeadLetters(f.queue), []);
      await depth(f, { visible: 2, inFlight: 1, deadLetters: 0 });
    });
  });
}
