import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { PostgresCatalog, STOCK_CHANNEL } from '../../src/postgres/catalog.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { postgresOptions } from '../../src/service/options.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/service.js';
import { catalogContract, spec } from './catalog-contract.js';

const probe = await probePostgres();
let current: TestDatabase | undefined;
let schemas = 0;

// One database per suite, one schema per test: tests never see each other's rows.
catalogContract(
  'PostgreSQL',
  async () => {
    if (!current) throw new Error('the test database was not created');
    const database = new PostgresDatabase(
      { logger: pino({ level: 'silent' }) },
      {
        ...postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: current.url }),
        schema: `catalog_${++schemas}`,
        poolSize: 20,
      },
    );
    await database.init();
    return {
      catalog: new PostgresCatalog({ database }),
      exec: async (sql, params = []) => {
        let n = 0;
        await database.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        );
      },
      cleanup: () => database.close(),
    };
  },
  {
    skip: probe.skip,
    setup: async () => {
      const db = await createTestDatabase('flashsale_catalog');
      current = db;
      return () => db.drop();
    },
  },
);

describe('PostgreSQL catalog: other processes hear of units', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let database: PostgresDatabase;
  let listener: pg.Client;
  before(async () => {
    db = await createTestDatabase('flashsale_catalog_notify');
    database = new PostgresDatabase(
      { logger: pino({ level: 'silent' }) },
      postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: db.url }),
    );
    await database.init();
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    await listener.query(`LISTEN ${STOCK_CHANNEL}`);
  });
  after(async () => {
    await listener?.end();
    await database?.close();
    await db?.drop();
  });

  test('a create, a replace, a restock and a seed each notify "<sku>:<available>" when they commit', async () => {
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    const catalog = new PostgresCatalog({ database });
    await catalog.put(spec('HOT', { stock: 0 }));
    await catalog.restock('HOT', 5);
    await catalog.put(spec('HOT', { stock: 7 }));
    await catalog.seed([spec('COLD', { stock: 2 }), spec('HOT', { stock: 1 })]);
    await catalog.restock('NOPE', 1);
    await waitFor(() => heard.length >= 4, { timeoutMs: 5000, message: `notifications heard: ${heard}` });
    assert.deepEqual(heard, ['HOT:0', 'HOT:5', 'HOT:7', 'COLD:2']);
  });
});
