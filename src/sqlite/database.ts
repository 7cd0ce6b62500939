import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { StockChange } from '../core/catalog.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { MIGRATIONS } from './migrations.js';
import { WalSync, type WalSyncer } from './wal-sync.js';

export interface SqliteDeps {
  /** What makes the WAL at `walPath` durable. Default a WalSync (fdatasync on libuv's thread pool). */
  walSyncer?: (walPath: string) => WalSyncer;
}

export interface SqliteOptions {
  /** Database file; ':memory:' for a throw-away database. Default ./data/flashsale.db */
  path: string;
  /** Milliseconds a writer waits for another process's lock. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * One SQLite file in WAL mode. Writes go through a group commit, so concurrent
 * requests share one transaction and one sync, and each resolves only once it
 * is on disk; reads run directly.
 */
export class SqliteDatabase {
  readonly db: Database.Database;
  readonly writer: GroupCommit;
  private readonly walSync: WalSyncer | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private closed = false;
  private readonly stockListeners = new Set<(change: StockChange) => void>();

  constructor(
    readonly options: SqliteOptions,
    deps: SqliteDeps = {},
  ) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without syncing it; the group commit then
    // fsyncs the WAL off the event loop before any write is acknowledged, which is
    // as durable as FULL without blocking the loop on the disk.
    const onDisk = options.path !== ':memory:';
    this.db.pragma(`synchronous = ${onDisk ? 'NORMAL' : 'OFF'}`);
    this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    const syncer = deps.walSyncer ?? ((walPath: string) => new WalSync(walPath));
    this.walSync = onDisk ? syncer(`${options.path}-wal`) : undefined;
    const walSync = this.walSync;
    this.writer = new GroupCommit(this.db, walSync ? () => walSync.sync() : undefined);
    if (onDisk) {
      // Checkpoints run on a worker thread; SQLite's own, inside a commit on the event loop, only
      // if the WAL outgrows ~40 MB (the worker fell behind or died).
      this.db.pragma('wal_autocheckpoint = 10000');
      const checkpointer = new Checkpointer(options.path);
      this.checkpointer = checkpointer;
      this.writer.addHook({ begin() {}, end: () => checkpointer.committed(), mark: () => 0, undo() {} });
    }
  }

  /** Checkpoints the worker thread ran and failed (0, 0 for ':memory:'). */
  get checkpoints(): { runs: number; failures: number } {
    return { runs: this.checkpointer?.runs ?? 0, failures: this.checkpointer?.failures ?? 0 };
  }

  /** Runs `fn` inside the next group transaction; resolves once it is durable. */
  write<T>(fn: () => T): Promise<T> {
    return this.writer.run(fn);
  }

  /**
   * Listens to changes of a sku's available units committed through this file
   * by this process: the catalog's (put, restock, remove) and the store's (a
   * release, a redrive). Returns the unsubscribe function.
   */
  onStock(listener: (change: StockChange) => void): () => void {
    this.stockListeners.add(listener);
    return () => this.stockListeners.delete(listener);
  }

  /** Tells the listeners of a committed change; call it after the write resolved. */
  emitStock(change: StockChange): void {
    for (const listener of this.stockListeners) listener(change);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writer.flush();
    this.closed = true;
    await this.walSync?.close();
    // The main connection closes last: SQLite then checkpoints and removes the WAL.
    await this.checkpointer?.close();
    this.db.close();
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
    );
    const applied = new Set(
      this.db
        .prepare('SELECT version FROM schema_migrations')
        .all()
        .map((row) => (row as { version: number }).version),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      this.db
        .transaction(() => {
          this.db.exec(migration.sql);
          this.db
            .prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)')
            .run(migration.version, new Date().toISOString());
        })
        .immediate();
    }
  }
}
