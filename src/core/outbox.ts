/**
 * The outbox port. When the store and the bus are different systems, an
 * order's message is written as an outbox row in the order's own transaction;
 * a relay later publishes the rows and marks them sent. A 202 then depends on
 * the store alone, and a message can be published twice but never lost.
 */
import type { Lifecycle } from './ports.js';

export interface OutboxEntry {
  /** Stable id of the row. */
  id: string;
  topic: string;
  body: string;
  /** Wall ms when the row was written. */
  createdAt: number;
}

export interface OutboxCounts {
  /** Rows written and not yet marked sent. */
  pending: number;
  /** Rows marked sent and still kept. */
  sent: number;
}

export interface Outbox extends Lifecycle {
  /**
   * Leases up to `limit` unsent rows, oldest first, for `leaseMs` real ms:
   * another relay does not see them until the lease runs out, so relays in
   * several processes share the work without publishing the same row at once.
   */
  claim(limit: number, leaseMs: number): Promise<OutboxEntry[]>;
  /** Marks rows published; they are never claimed again. */
  markSent(ids: readonly string[]): Promise<void>;
  /** Ends the lease of rows that could not be published, so they are retried at once. */
  release(ids: readonly string[]): Promise<void>;
  counts(): Promise<OutboxCounts>;
  /** Deletes rows marked sent before `sentBefore` (wall ms); resolves to how many. */
  purge(sentBefore: number): Promise<number>;
  /** Calls `listener` after each commit that wrote rows in this process; returns an unsubscribe function. */
  onWrite(listener: () => void): () => void;
}
