import { EventEmitter } from 'node:events';
import type { Outbox, OutboxCounts, OutboxEntry } from '../core/outbox.js';
import type { PostgresDatabase } from './database.js';

/**
 * The outbox table in PostgreSQL. The order store writes rows inside the
 * order's statement; relays in any number of processes lease rows with
 * `FOR UPDATE SKIP LOCKED`, so two relays never take the same row at once.
 * Leases use the database's clock, so processes need not agree on the time.
 */
export class PostgresOutbox implements Outbox {
  private readonly events = new EventEmitter();

  constructor(private readonly deps: { database: PostgresDatabase }) {
    this.events.setMaxListeners(0);
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }

  /** Called by the store after a commit that wrote rows. */
  afterCommit(): void {
    this.events.emit('write');
  }

  onWrite(listener: () => void): () => void {
    this.events.on('write', listener);
    return () => this.events.off('write', listener);
  }

  async claim(limit: number, leaseMs: number): Promise<OutboxEntry[]> {
    const { rows } = await this.deps.database.query<{ id: string; topic: string; body: string; created_at: Date }>(
      `UPDATE outbox SET claimed_until = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id IN (
         SELECT id FROM outbox
         WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text AS id, topic, body, created_at`,
      [limit, leaseMs],
    );
    return rows
      .map((row) => ({ id: row.id, topic: row.topic, body: row.body, createdAt: row.created_at.getTime() }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markSent(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.deps.database.query(
      'UPDATE outbox SET sent_at = now(), claimed_until = NULL WHERE id = ANY($1::bigint[])',
      [ids],
    );
  }

  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.deps.database.query(
      'UPDATE outbox SET claimed_until = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL',
      [ids],
    );
  }

  async counts(): Promise<OutboxCounts> {
    const { rows } = await this.deps.database.query<OutboxCounts>(
      `SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent
       FROM outbox`,
    );
    return rows[0] ?? { pending: 0, sent: 0 };
  }

  async purge(sentBefore: number): Promise<number> {
    const { rowCount } = await this.deps.database.query(
      'DELETE FROM outbox WHERE sent_at < to_timestamp($1::float8 / 1000)',
      [sentBefore],
    );
    return rowCount ?? 0;
  }
}
