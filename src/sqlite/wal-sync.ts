import { type FileHandle, open, stat } from 'node:fs/promises';

/**
 * fsyncs a database's WAL file on libuv's thread pool. fsync works on the
 * file, not the descriptor, so a descriptor of our own flushes what SQLite
 * wrote through its own. If the WAL was replaced by a new file (another
 * process removed it), the descriptor is reopened.
 */
export class WalSync {
  private handle?: FileHandle;
  private inode?: number;

  constructor(private readonly path: string) {}

  async sync(): Promise<void> {
    const current = await stat(this.path);
    if (!this.handle || current.ino !== this.inode) {
      await this.handle?.close();
      this.handle = await open(this.path, 'r');
      this.inode = current.ino;
    }
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
