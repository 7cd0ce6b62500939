#!/usr/bin/env node
// Where better-sqlite3 had to be compiled from source (no prebuilt binary could be downloaded),
// node-gyp leaves its object files and static library behind: ~15 MB that nothing loads. The
// addon itself (build/Release/better_sqlite3.node) and the sources (for `npm rebuild`) stay.
import { existsSync, rmSync } from 'node:fs';

const release = new URL('../node_modules/better-sqlite3/build/Release/', import.meta.url);
if (existsSync(new URL('better_sqlite3.node', release))) {
  for (const leftover of ['obj', 'obj.target', '.deps', 'sqlite3.a', 'test_extension.node']) {
    rmSync(new URL(leftover, release), { recursive: true, force: true });
  }
}
