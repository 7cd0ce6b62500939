import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Plain JS (the worker runs no loader): a connection of its own that checkpoints on request. */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
// NORMAL in WAL mode: the WAL is synced before a checkpoint, the database file after it.
db.pragma('synchronous = NORMAL');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, busy: row.busy, log: row.log, checkpointed: row.checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  }
});
`;

export interface CheckpointerOptions {
  /** Real ms between looks at how much was committed. Default 500. */
  intervalMs?: number;
  /** Commits after which a checkpoint runs (~8 pages each at saturation: a few MB of WAL). Default 200. */
  everyCommits?: number;
  /** Real ms after which any commits at all get a checkpoint. Default 10000. */
  maxAgeMs?: number;
}

/**
 * Copies the WAL back into the database file on a worker thread, so that the
 * event loop never waits for a checkpoint's writes and its two fsyncs (SQLite
 * would otherwise run them inside whichever commit crosses the WAL's size
 * limit — a stall of every request in flight). PASSIVE: it never blocks the
 * writer; the next write after a complete checkpoint starts the WAL over.
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly timer: NodeJS.Timeout;
  private commits = 0;
  private lastRun = Date.now();
  private readonly everyCommits: number;
  private readonly maxAgeMs: number;
  private running = false;
  private exited = false;
  /** Checkpoints run and failed (a failure is retried at the next interval). */
  runs = 0;
  failures = 0;

  constructor(path: string, options: CheckpointerOptions = {}) {
    this.everyCommits = options.everyCommits ?? 200;
    this.maxAgeMs = options.maxAgeMs ?? 10_000;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { path, driver } });
    this.worker.unref();
    this.worker.on('message', (result: { ok: boolean }) => {
      this.running = false;
      if (result.ok) this.runs++;
      else this.failures++;
    });
    // A worker that died leaves the WAL to SQLite's own checkpoint (the database's backstop limit).
    this.worker.on('error', () => {
      this.failures++;
    });
    this.worker.once('exit', () => {
      this.exited = true;
    });
    this.timer = setInterval(() => this.tick(), options.intervalMs ?? 500);
    this.timer.unref();
  }

  /** A commit happened: the WAL has pages to copy back. */
  committed(): void {
    this.commits++;
  }

  /**
   * Not after every commit: a checkpoint ends with an fsync of the database file, and
   * each one beside a 202's own WAL sync can slow that sync down.
   */
  private tick(): void {
    if (this.commits === 0 || this.running || this.exited) return;
    const now = Date.now();
    if (this.commits < this.everyCommits && now - this.lastRun < this.maxAgeMs) return;
    this.commits = 0;
    this.lastRun = now;
    this.running = true;
    this.worker.postMessage('checkpoint');
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.exited) return;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // Referenced again until it has gone: closing must keep the process alive to finish.
    this.worker.ref();
    this.worker.postMessage('close');
    await exited;
  }
}
