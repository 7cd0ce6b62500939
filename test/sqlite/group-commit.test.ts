import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BatchCounts } from '../../src/sqlite/batch-counts.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { RollbackWith } from '../../src/sqlite/group-commit.js';
import { tempDir } from '../support/service.js';

const files = tempDir();
let database: SqliteDatabase;
let counted: BatchCounts<string>;

before(() => {
  database = new SqliteDatabase({ path: join(files.dir, 'flashsale.db') });
  database.db.exec(`
    CREATE TABLE items (id INTEGER PRIMARY KEY, units INTEGER NOT NULL CHECK (units >= 0));
    CREATE TABLE item_counts (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
  `);
  const add = database.db.prepare(
    'INSERT INTO item_counts (kind, n) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET n = n + excluded.n',
  );
  counted = new BatchCounts((kind, n) => add.run(kind, n));
  database.writer.addHook(counted);
});

after(async () => {
  await database.close();
  files.cleanup();
});

function insert(id: number, units = 1): void {
  database.db.prepare('INSERT INTO items (id, units) VALUES (?, ?)').run(id, units);
  counted.add('items');
}

const settled = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (error: Error) => error.message,
  );

test('one batch: each failing write rolls back alone, whether it throws, breaks a CHECK, returns a promise or throws RollbackWith', async () => {
  const batchesBefore = database.writer.batches;
  const outcomes = await Promise.all([
    settled(database.write(() => insert(1))),
    settled(
      database.write(() => {
        insert(2);
        throw new Error('refused after writing');
      }),
    ),
    settled(
      database.write(() => {
        insert(3);
        return Promise.resolve('late');
      }),
    ),
    settled(database.write(() => insert(4, -1))),
    settled(database.write(() => insert(5))),
    database.write(() => {
      insert(6);
      throw new RollbackWith('sold out');
    }),
  ]);
  assert.equal(outcomes[0], 'ok');
  assert.equal(outcomes[1], 'refused after writing');
  assert.match(outcomes[2] as string, /must be synchronous/);
  assert.match(outcomes[3] as string, /CHECK constraint failed/);
  assert.equal(outcomes[4], 'ok');
  assert.equal(outcomes[5], 'sold out', 'RollbackWith resolves with its value');
  assert.equal(database.writer.batches, batchesBefore + 1, 'the six writes shared one commit');
  const ids = database.db.prepare('SELECT id FROM items ORDER BY id').all() as Array<{ id: number }>;
  assert.deepEqual(
    ids.map((r) => r.id),
    [1, 5],
  );
  // The counts written with the batch count only the writes that stayed.
  assert.deepEqual(database.db.prepare('SELECT n FROM item_counts WHERE kind = ?').get('items'), { n: 2 });
});

test('a batch without failures commits every write and counts each once', async () => {
  await Promise.all(Array.from({ length: 50 }, (_, i) => database.write(() => insert(100 + i))));
  const scan = database.db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number };
  assert.equal(scan.n, 52);
  assert.deepEqual(database.db.prepare('SELECT n FROM item_counts WHERE kind = ?').get('items'), { n: 52 });
});
