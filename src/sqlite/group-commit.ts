import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: writes queued during one turn of the event loop run in one
 * transaction, so one WAL sync covers all of them. Each write runs in its own
 * savepoint, so one failing write (a constraint, a bug) rolls back alone and
 * rejects only its own caller.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private idle: Array<() => void> = [];
  /** Batches committed and writes in them, for /stats and the benchmark. */
  batches = 0;
  writes = 0;

  constructor(private readonly db: Database.Database) {}

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Resolves once every write queued so far is committed. */
  flush(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
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
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.scheduled) return;
    const waiters = this.idle;
    this.idle = [];
    for (const resolve of waiters) resolve();
  }
}
