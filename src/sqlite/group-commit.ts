import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit. Writes queued during one turn of the event loop run in one
 * transaction, each in its own savepoint (one failing write rolls back alone).
 * The transaction commits to the WAL without syncing; `sync` — an fsync of the
 * WAL on libuv's thread pool — then makes it durable while the event loop keeps
 * taking requests, and covers every batch committed since the previous sync.
 * A write's promise resolves only once its batch is durable, so a 202 is never
 * sent for an order that a crash could lose.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private unsynced: Array<() => void> = [];
  private unsyncedFail: Array<(error: unknown) => void> = [];
  private syncing = false;
  private idle: Array<() => void> = [];
  /** Transactions committed, writes in them, and syncs that made them durable. */
  batches = 0;
  writes = 0;
  syncs = 0;

  constructor(
    private readonly db: Database.Database,
    /** Makes everything committed so far durable; absent when each commit syncs itself. */
    private readonly sync?: () => Promise<void>,
  ) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Resolves once every write queued so far is committed and durable. */
  flush(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private isIdle(): boolean {
    return !this.scheduled && !this.syncing && this.unsynced.length === 0;
  }

  private commit(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              outcomes.push({ ok: true, value: this.db.transaction(item.fn)() });
            } catch (error) {
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      // The commit itself failed (disk full, database closed): nothing in the batch is durable.
      for (const item of batch) item.reject(error);
      this.settleIdle();
      return;
    }
    this.batches++;
    this.writes += batch.length;
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      const settle = outcome?.ok ? () => item.resolve(outcome.value) : () => item.reject(outcome?.error);
      if (!this.sync) settle();
      else {
        this.unsynced.push(settle);
        // A failed write rejects with its own error whatever the sync does; a successful one with the sync's.
        this.unsyncedFail.push(outcome?.ok ? (error) => item.reject(error) : settle);
      }
    });
    if (this.sync) this.startSync();
    else this.settleIdle();
  }

  private startSync(): void {
    if (this.syncing || this.unsynced.length === 0 || !this.sync) return;
    this.syncing = true;
    const done = this.unsynced;
    const failed = this.unsyncedFail;
    this.unsynced = [];
    this.unsyncedFail = [];
    this.sync()
      .then(
        () => {
          this.syncs++;
          for (const settle of done) settle();
        },
        (error) => {
          const cause = new Error(`could not make the write durable (fsync failed): ${(error as Error).message}`);
          for (const fail of failed) fail(cause);
        },
      )
      .finally(() => {
        this.syncing = false;
        this.startSync();
        this.settleIdle();
      });
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }
}
