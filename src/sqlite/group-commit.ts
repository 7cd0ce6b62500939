import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Told of each batch transaction, to write what the batch changed once rather than once per write. */
export interface BatchHook {
  /** A batch transaction starts (again, when one of its writes failed and it is run without it). */
  begin(): void;
  /** Inside the batch transaction, after its last write, before the commit. */
  end(): void;
  /** Before a write run in its own savepoint: a mark to undo back to if that write fails. */
  mark(): number;
  /** The write since `mark` failed and was rolled back: forget what it recorded. */
  undo(mark: number): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Thrown by a write callback to roll its own writes back and still resolve its
 * promise with `value` (an outcome such as a stock rejection that must store
 * nothing, found after some rows were written).
 */
export class RollbackWith<T> {
  constructor(readonly value: T) {}
}

/** The outcome of a write whose callback threw `error`: rolled back alone, then rejected or (RollbackWith) resolved. */
function failed(error: unknown): Outcome {
  return error instanceof RollbackWith ? { ok: true, value: error.value } : { ok: false, error };
}

/** Thrown inside a batch transaction to roll it back when the write at `index` failed. */
class WriteFailed {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {}
}

/**
 * Group commit. Writes queued during one turn of the event loop run in one
 * transaction. A write that throws (or returns a promise, or throws
 * RollbackWith to answer with a value) must roll back alone: the batch is then
 * rolled back and run again with each write in its own savepoint, the failed
 * one left out — so a write callback may run more than once, and must keep its
 * effects inside the database (or in a BatchHook, which is told each attempt).
 * Writes rarely fail (the stores check first), so the common batch pays for no
 * savepoint at all.
 * The transaction commits to the WAL without syncing; `sync` — a sync of the
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
  private readonly hooks: BatchHook[] = [];
  private readonly begin;
  private readonly commitStmt;
  private readonly rollback;
  /** Transactions committed, writes in them, and syncs that made them durable. */
  batches = 0;
  writes = 0;
  syncs = 0;

  constructor(
    private readonly db: Database.Database,
    /** Makes everything committed so far durable; absent when each commit syncs itself. */
    private readonly sync?: () => Promise<void>,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commitStmt = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  /** Adds a hook told of every batch transaction (see BatchHook). */
  addHook(hook: BatchHook): void {
    this.hooks.push(hook);
  }

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
    let outcomes: Outcome[];
    try {
      outcomes = this.runBatch(batch);
    } catch (error) {
      // The commit itself failed (disk full, database closed): nothing in the batch is durable.
      for (const item of batch) item.reject(error);
      this.settleIdle();
      return;
    }
    this.batches++;
    this.writes += batch.length;
    batch.forEach((item, i) => {
      const outcome = outcomes[i] as Outcome;
      const settle = outcome.ok ? () => item.resolve(outcome.value) : () => item.reject(outcome.error);
      if (!this.sync) settle();
      else {
        this.unsynced.push(settle);
        // A failed write rejects with its own error whatever the sync does; a successful one with the sync's.
        this.unsyncedFail.push(outcome.ok ? (error) => item.reject(error) : settle);
      }
    });
    if (this.sync) this.startSync();
    else this.settleIdle();
  }

  /** One transaction for the batch; on a failed write, once more with a savepoint per write. */
  private runBatch(batch: Pending[]): Outcome[] {
    try {
      return this.transaction(() => batch.map((item, i) => ({ ok: true, value: this.apply(item, i) })));
    } catch (error) {
      if (!(error instanceof WriteFailed)) throw error;
      const failedAt = error.index;
      return this.transaction(() =>
        batch.map((item, i): Outcome => {
          if (i === failedAt) return failed(error.error);
          const marks = this.hooks.map((hook) => hook.mark());
          try {
            return { ok: true, value: this.db.transaction(() => this.apply(item, i))() };
          } catch (thrown) {
            for (const [h, hook] of this.hooks.entries()) hook.undo(marks[h] as number);
            return failed(thrown instanceof WriteFailed ? thrown.error : thrown);
          }
        }),
      );
    }
  }

  private transaction(body: () => Outcome[]): Outcome[] {
    this.begin.run();
    let outcomes: Outcome[];
    try {
      for (const hook of this.hooks) hook.begin();
      outcomes = body();
      for (const hook of this.hooks) hook.end();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      throw error;
    }
    try {
      this.commitStmt.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      throw error;
    }
    return outcomes;
  }

  private apply(item: Pending, index: number): unknown {
    let value: unknown;
    try {
      value = item.fn();
    } catch (error) {
      throw new WriteFailed(index, error);
    }
    if (value instanceof Promise) {
      // The transaction cannot wait: an async write would run outside it.
      value.catch(() => undefined);
      throw new WriteFailed(index, new TypeError('a write callback must be synchronous (it returned a promise)'));
    }
    return value;
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
