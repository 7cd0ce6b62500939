import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { tempDir, waitFor } from '../support/service.js';

test('the WAL is copied back into the database file by the worker thread, not inside a commit', async () => {
  const files = tempDir();
  const path = join(files.dir, 'flashsale.db');
  const database = new SqliteDatabase({ path });
  try {
    database.db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    const insert = database.db.prepare('INSERT INTO filler (body) VALUES (?)');
    const body = 'x'.repeat(500);
    const sizeBefore = statSync(path).size;
    // ~1 MB in 220 commits (a checkpoint every 200), far below SQLite's own checkpoint
    // limit (now ~40 MB): only the worker can move it.
    for (let batch = 0; batch < 220; batch++) {
      await Promise.all(Array.from({ length: 10 }, () => database.write(() => insert.run(body))));
    }
    await waitFor(() => database.checkpoints.runs > 0 && statSync(path).size > sizeBefore + 900_000, {
      message: 'a checkpoint moved the rows into the database file',
    });
    assert.equal(database.checkpoints.failures, 0);
    assert.deepEqual(database.db.prepare('SELECT COUNT(*) AS n FROM filler').get(), { n: 2200 });
  } finally {
    await database.close();
    files.cleanup();
  }
});
