import { type FileHandle, open, stat } from 'node:fs/promises';

/** Makes a database's WAL durable; `WalSync` by default, a wrapper in tests that hold syncs open. */
export interface WalSyncer {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * fdatasyncs a database's WAL file on libuv's thread pool (as SQLite itself
 * does on Linux: the data and the file's size, not its timestamps). fsync works on the
 * file, not the descriptor, so a descriptor of our own flushes what SQLite
 * wrote through its own. While this process holds the database open SQLite
 * keeps the WAL file; a replaced file (another process removed it) is noticed
 * by an inode check, made at most once a second and beside a sync, and the
 * new file is synced before that sync resolves.
 */
export class WalSync implements WalSyncer {
  private handle?: FileHandle;
  private inode?: number;
  private checkedAt = 0;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    const now = Date.now();
    if (!this.handle) {
      this.checkedAt = now;
      await this.reopen();
    } else if (now - this.checkedAt >= 1000) {
      this.checkedAt = now;
      // The check runs beside the sync, not before it: one thread-pool trip on the path, not two.
      const [current] = await Promise.all([stat(this.path), this.handle.datasync()]);
      if (current.ino === this.inode) return;
      await this.reopen();
    }
    await this.handle?.datasync();
  }

  private async reopen(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const handle = await open(this.path, 'r');
    this.inode = (await handle.stat()).ino;
    this.handle = handle;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
