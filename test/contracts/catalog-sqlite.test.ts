import { join } from 'node:path';
import { SqliteCatalog } from '../../src/sqlite/catalog.js';
import { SqliteDatabase } from '../../src/sqlite/database.js';
import { tempDir } from '../support/service.js';
import { catalogContract } from './catalog-contract.js';

catalogContract('SQLite', async () => {
  const { dir, cleanup } = tempDir('flashsale-catalog-');
  const database = new SqliteDatabase({ path: join(dir, 'store.db') });
  return {
    catalog: new SqliteCatalog({ database }),
    exec: async (sql, params = []) => {
      database.db.prepare(sql).run(...params);
    },
    cleanup: async () => {
      await database.close();
      cleanup();
    },
  };
});
