import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import type { Outbox, OutboxCounts, OutboxEntry } from '../core/outbox.js';
import type { SqliteDatabase } from './database.js';
import type { TransactionalPublisher } from './order-store.js';

interface OutboxRow {
  id: number;
  topic: string;
  body: string;
  created_at: number;
}

/**
 * The outbox table in the SQLite file, for a SQLite store whose bus is
 * elsewhere (SNS/SQS). The store publishes into it inside the order's
 * transaction; the relay leases, publishes and marks rows sent.
 */
export class SqliteOutbox implements Outbox, TransactionalPublisher {
  private readonly events = new EventEmitter();
  private readonly stmt;

  constructor(private readonly deps: { database: SqliteDatabase; clock: Clock }) {
    this.events.setMaxListeners(0);
    const db = deps.database.db;
    this.stmt = {
      insert: db.prepare('INSERT INTO outbox (topic, body, created_at) VALUES (?, ?, ?)'),
      claim: db.prepare(
        `UPDATE outbox SET claimed_until = @until
         WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < @now)
                      ORDER BY id LIMIT @limit)
         RETURNING id, topic, body, created_at`,
      ),
      markSent: db.prepare('UPDATE outbox SET sent_at = ?, claimed_until = NULL WHERE id = ?'),
      release: db.prepare('UPDATE outbox SET claimed_until = NULL WHERE id = ? AND sent_at IS NULL'),
      counts: db.prepare(
        `SELECT COALESCE(SUM(sent_at IS NULL), 0) AS pending, COALESCE(SUM(sent_at IS NOT NULL), 0) AS sent FROM outbox`,
      ),
      purge: db.prepare('DELETE FROM outbox WHERE sent_at < ?'),
    };
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }

  publishInTransaction(topic: string, bodies: readonly string[]): void {
    const now = this.deps.clock.now();
    for (const body of bodies) this.stmt.insert.run(topic, body, now);
  }

  afterCommit(): void {
    this.events.emit('write');
  }

  onWrite(listener: () => void): () => void {
    this.events.on('write', listener);
    return () => this.events.off('write', listener);
  }

  async claim(limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const rows = await this.deps.database.write(() => {
      const now = this.deps.clock.now();
      return this.stmt.claim.all({ now, until: now + leaseMs, limit }) as OutboxRow[];
    });
    return rows
      .sort((a, b) => a.id - b.id)
      .map((row) => ({ id: String(row.id), topic: row.topic, body: row.body, createdAt: row.created_at }));
  }

  async markSent(ids: readonly string[]): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.database.write(() => {
      for (const id of ids) this.stmt.markSent.run(now, Number(id));
    });
  }

  async release(ids: readonly string[]): Promise<void> {
    await this.deps.database.write(() => {
      for (const id of ids) this.stmt.release.run(Number(id));
    });
  }

  async counts(): Promise<OutboxCounts> {
    return this.stmt.counts.get() as OutboxCounts;
  }

  async purge(sentBefore: number): Promise<number> {
    return this.deps.database.write(() => this.stmt.purge.run(sentBefore).changes);
  }
}
