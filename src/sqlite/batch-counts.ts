import type { BatchHook } from './group-commit.js';

/**
 * Counts kept per group-commit batch: writes record the rows they add by key,
 * and the batch writes each key's total once, in the same transaction, before
 * it commits — one statement per key and batch instead of a trigger's two per
 * row. A retried batch starts over; a write rolled back alone is forgotten.
 */
export class BatchCounts<K> implements BatchHook {
  private log: K[] = [];

  constructor(private readonly write: (key: K, added: number) => void) {}

  /** One more row under `key` in the current batch transaction. */
  add(key: K): void {
    this.log.push(key);
  }

  begin(): void {
    this.log = [];
  }

  end(): void {
    if (this.log.length === 0) return;
    const totals = new Map<K, number>();
    for (const key of this.log) totals.set(key, (totals.get(key) ?? 0) + 1);
    this.log = [];
    for (const [key, added] of totals) this.write(key, added);
  }

  mark(): number {
    return this.log.length;
  }

  undo(mark: number): void {
    this.log.length = mark;
  }
}
