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
 * by an inode check, made at most once a second to keep it off the hot path.
 */
export class WalSync implements WalSyncer {
  private handle?: FileHandle;
  private inode?: number;
  private checkedAt = 0;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    const now = Date.now();
    if (!this.handle || now - this.checkedAt >= 1000) {
      const current = await stat(this.path);
      this.checkedAt = now;
      if (!this.handle || current.ino !== this.inode) {
        await this.handle?.close();
        this.handle = await open(this.path, 'r');
        this.inode = current.ino;
      }
    }
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
