import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import type { BusMessage, DeadLetter, MessageBus, QueueDepth, ReceiveOptions } from '../core/ports.js';
import { BatchCounts } from './batch-counts.js';
import type { SqliteDatabase } from './database.js';
import type { TransactionalPublisher } from './order-store.js';

/** Defaults and variables: the settings table (queue.*, embeddedBus.*). */
export interface EmbeddedBusOptions {
  /** topic → the queues subscribed to it. */
  subscriptions: Record<string, readonly string[]>;
  /** How long a received message stays hidden, simulated ms. */
  visibilityTimeoutMs: number;
  /** How long a message is kept before it expires, simulated ms. */
  retentionMs: number;
  /** Deliveries after which a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  /** Longest receive batch. */
  maxBatch: number;
  /** Real ms between checks for messages written by another process. */
  pollIntervalMs: number;
}

interface MessageRow {
  id: number;
  body: string;
  receive_count: number;
  sent_at: number;
  dead_reason?: string | null;
  dead_at?: number | null;
}

/**
 * A topic → queue bus with SQS's semantics (visibility timeout, receive
 * counts, dead letters, long polling, retention) stored in the same SQLite
 * file as the orders, so an order and its message commit together.
 */
export class EmbeddedBus implements MessageBus, TransactionalPublisher {
  private readonly events = new EventEmitter();
  private readonly visibilityMs: number;
  private readonly retentionMs: number;
  private readonly maxReceiveCount: number;
  private readonly maxBatch: number;
  private readonly pollIntervalMs: number;
  private readonly subscriptions: Record<string, readonly string[]>;
  private readonly stmt;
  private lastExpiry = 0;
  private readonly subscribed = new Map<string, readonly string[]>();
  /** Live messages published per queue, written to bus_counts once per batch (migration 5). */
  private readonly published: BatchCounts<string>;

  constructor(
    private readonly deps: { database: SqliteDatabase; clock: Clock },
    options: EmbeddedBusOptions,
  ) {
    this.subscriptions = options.subscriptions;
    this.visibilityMs = options.visibilityTimeoutMs;
    this.retentionMs = options.retentionMs;
    this.maxReceiveCount = options.maxReceiveCount;
    this.maxBatch = options.maxBatch;
    this.pollIntervalMs = options.pollIntervalMs;
    this.events.setMaxListeners(0);
    const db = deps.database.db;
    this.stmt = {
      subscribe: db.prepare('INSERT INTO bus_subscriptions (topic, queue) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      queuesOf: db.prepare('SELECT queue FROM bus_subscriptions WHERE topic = ?'),
      insert: db.prepare('INSERT INTO bus_messages (queue, body, sent_at, visible_at) VALUES (?, ?, ?, ?)'),
      ready: db.prepare(
        'SELECT id, body, receive_count, sent_at FROM bus_messages WHERE queue = ? AND dead = 0 AND visible_at <= ? ORDER BY visible_at, id LIMIT ?',
      ),
      take: db.prepare(
        'UPDATE bus_messages SET visible_at = ?, receive_count = receive_count + 1, receipt = ? WHERE id = ?',
      ),
      kill: db.prepare('UPDATE bus_messages SET dead = 1, dead_reason = ?, dead_at = ?, receipt = NULL WHERE id = ?'),
      delete: db.prepare('DELETE FROM bus_messages WHERE id = ? AND queue = ? AND receipt = ? AND dead = 0'),
      setVisible: db.prepare(
        'UPDATE bus_messages SET visible_at = ? WHERE id = ? AND queue = ? AND receipt = ? AND dead = 0',
      ),
      release: db.prepare(
        'UPDATE bus_messages SET visible_at = ?, receipt = NULL WHERE id = ? AND queue = ? AND receipt = ? AND dead = 0',
      ),
      killByReceipt: db.prepare(
        'UPDATE bus_messages SET dead = 1, dead_reason = ?, dead_at = ?, receipt = NULL WHERE id = ? AND queue = ? AND receipt = ? AND dead = 0',
      ),
      // Totals come from bus_counts (kept per batch and by triggers); only the hidden messages (a
      // few per worker) are counted, by an index range, so depth stays O(in flight).
      depth: db.prepare(
        `SELECT COALESCE((SELECT n FROM bus_counts WHERE queue = @queue AND dead = 0), 0) AS live,
                (SELECT COUNT(*) FROM bus_messages WHERE queue = @queue AND dead = 0 AND visible_at > @now) AS in_flight,
                COALESCE((SELECT n FROM bus_counts WHERE queue = @queue AND dead = 1), 0) AS dead`,
      ),
      nextVisible: db.prepare('SELECT MIN(visible_at) AS at FROM bus_messages WHERE queue = ? AND dead = 0'),
      deadList: db.prepare(
        'SELECT id, body, receive_count, sent_at, dead_reason, dead_at FROM bus_messages WHERE queue = ? AND dead = 1 ORDER BY dead_at, id LIMIT ?',
      ),
      redriveAll: db.prepare(
        'UPDATE bus_messages SET dead = 0, dead_reason = NULL, dead_at = NULL, receive_count = 0, visible_at = ? WHERE queue = ? AND dead = 1',
      ),
      redriveOne: db.prepare(
        'UPDATE bus_messages SET dead = 0, dead_reason = NULL, dead_at = NULL, receive_count = 0, visible_at = ? WHERE queue = ? AND dead = 1 AND id = ?',
      ),
      expire: db.prepare('DELETE FROM bus_messages WHERE sent_at < ?'),
      addCount: db.prepare(
        'INSERT INTO bus_counts (queue, dead, n) VALUES (?, 0, ?) ON CONFLICT (queue, dead) DO UPDATE SET n = n + excluded.n',
      ),
    };
    this.published = new BatchCounts((queue, n) => this.stmt.addCount.run(queue, n));
    deps.database.writer.addHook(this.published);
  }

  async init(): Promise<void> {
    this.subscribed.clear();
    await this.deps.database.write(() => {
      for (const [topic, queues] of Object.entries(this.subscriptions)) {
        for (const queue of queues) this.stmt.subscribe.run(topic, queue);
      }
    });
  }

  async close(): Promise<void> {
    this.events.emit('closed');
  }

  /**
   * Queues subscribed to a topic. Subscriptions are set at init and never change
   * while running, so they are read once per topic rather than once per order.
   */
  private queuesOf(topic: string): readonly string[] {
    let queues = this.subscribed.get(topic);
    if (!queues) {
      queues = (this.stmt.queuesOf.all(topic) as Array<{ queue: string }>).map((row) => row.queue);
      if (queues.length > 0) this.subscribed.set(topic, queues);
    }
    return queues;
  }

  publishInTransaction(topic: string, bodies: readonly string[]): void {
    const queues = this.queuesOf(topic);
    if (queues.length === 0) throw new Error(`no queue is subscribed to topic ${topic}`);
    const now = this.deps.clock.now();
    for (const queue of queues) {
      for (const body of bodies) {
        this.stmt.insert.run(queue, body, now, now);
        this.published.add(queue);
      }
    }
  }

  afterCommit(): void {
    this.events.emit('published');
  }

  async publish(topic: string, bodies: readonly string[]): Promise<void> {
    await this.deps.database.write(() => this.publishInTransaction(topic, bodies));
    this.afterCommit();
  }

  async receive(queue: string, options: ReceiveOptions): Promise<BusMessage[]> {
    const { clock } = this.deps;
    const max = Math.max(1, Math.min(options.maxMessages, this.maxBatch));
    const deadline = clock.monotonic() + clock.scale(options.waitMs);
    for (;;) {
      const messages = await this.take(queue, max);
      if (messages.length > 0) return messages;
      const remaining = deadline - clock.monotonic();
      if (remaining <= 0 || options.signal?.aborted) return [];
      await this.waitForMessages(queue, remaining, options.signal);
    }
  }

  private take(queue: string, max: number): Promise<BusMessage[]> {
    return this.deps.database.write(() => {
      const now = this.deps.clock.now();
      this.expireOld(now);
      const rows = this.stmt.ready.all(queue, now, max) as MessageRow[];
      const hiddenUntil = now + this.deps.clock.scale(this.visibilityMs);
      const delivered: BusMessage[] = [];
      for (const row of rows) {
        if (row.receive_count >= this.maxReceiveCount) {
          this.stmt.kill.run(`received ${row.receive_count} times without being processed`, now, row.id);
          continue;
        }
        const receipt = `${row.id}.${randomBytes(6).toString('hex')}`;
        this.stmt.take.run(hiddenUntil, receipt, row.id);
        delivered.push({
          id: String(row.id),
          body: row.body,
          receipt,
          receiveCount: row.receive_count + 1,
          sentAt: row.sent_at,
        });
      }
      return delivered;
    });
  }

  /** Resolves on a local publish, when a hidden message becomes visible, or at the poll interval. */
  private waitForMessages(queue: string, maxMs: number, signal?: AbortSignal): Promise<void> {
    const next = (this.stmt.nextVisible.get(queue) as { at: number | null }).at;
    let waitMs = Math.min(maxMs, this.pollIntervalMs);
    if (next !== null) waitMs = Math.min(waitMs, Math.max(1, next - this.deps.clock.now()));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('published', done);
        this.events.off('closed', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.events.on('published', done);
      this.events.on('closed', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private expireOld(now: number): void {
    // Retention is checked at most once a (real) second; it is a sweep, not a hot path.
    if (now - this.lastExpiry < 1000) return;
    this.lastExpiry = now;
    this.stmt.expire.run(now - this.deps.clock.scale(this.retentionMs));
  }

  async ack(queue: string, receipt: string): Promise<boolean> {
    const id = idOf(receipt);
    return this.deps.database.write(() => this.stmt.delete.run(id, queue, receipt).changes > 0);
  }

  async extend(queue: string, receipt: string, visibilityMs: number): Promise<boolean> {
    const until = this.deps.clock.now() + this.deps.clock.scale(visibilityMs);
    return this.deps.database.write(() => this.stmt.setVisible.run(until, idOf(receipt), queue, receipt).changes > 0);
  }

  async release(queue: string, receipt: string, delayMs = 0): Promise<boolean> {
    const at = this.deps.clock.now() + this.deps.clock.scale(delayMs);
    const changed = await this.deps.database.write(
      () => this.stmt.release.run(at, idOf(receipt), queue, receipt).changes > 0,
    );
    if (changed) this.events.emit('published');
    return changed;
  }

  async deadLetter(queue: string, receipt: string, reason: string): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.database.write(
      () => this.stmt.killByReceipt.run(reason, now, idOf(receipt), queue, receipt).changes > 0,
    );
  }

  async depth(queue: string): Promise<QueueDepth> {
    const row = this.stmt.depth.get({ queue, now: this.deps.clock.now() }) as {
      live: number;
      in_flight: number;
      dead: number;
    };
    return { visible: row.live - row.in_flight, inFlight: row.in_flight, deadLetters: row.dead };
  }

  async listDeadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    return (this.stmt.deadList.all(queue, limit) as MessageRow[]).map((row) => {
      const letter: DeadLetter = {
        id: String(row.id),
        body: row.body,
        receiveCount: row.receive_count,
        sentAt: row.sent_at,
      };
      if (row.dead_reason) letter.reason = row.dead_reason;
      if (row.dead_at) letter.deadLetteredAt = row.dead_at;
      return letter;
    });
  }

  async redrive(queue: string, ids?: readonly string[]): Promise<number> {
    const now = this.deps.clock.now();
    const moved = await this.deps.database.write(() => {
      if (!ids) return this.stmt.redriveAll.run(now, queue).changes;
      let n = 0;
      for (const id of ids) n += this.stmt.redriveOne.run(now, queue, Number(id)).changes;
      return n;
    });
    if (moved > 0) this.events.emit('published');
    return moved;
  }
}

function idOf(receipt: string): number {
  return Number(receipt.split('.', 1)[0]);
}
