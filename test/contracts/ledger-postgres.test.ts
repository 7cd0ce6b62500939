import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresPaymentLedger } from '../../src/postgres/payment-ledger.js';
import { postgresOptions } from '../../src/service/options.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { ledgerContract } from './ledger-contract.js';

const probe = await probePostgres();
let current: TestDatabase | undefined;
let schemas = 0;

// One database per suite, one schema per test, two pools on it: two processes sharing the ledger.
ledgerContract(
  'PostgreSQL',
  async () => {
    if (!current) throw new Error('the test database was not created');
    const url = current.url;
    const schema = `ledger_${++schemas}`;
    const databases = [0, 1].map(
      () =>
        new PostgresDatabase(
          { logger: pino({ level: 'silent' }) },
          { ...postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: url }), schema },
        ),
    );
    // One after the other: the second finds the schema migrated.
    for (const database of databases) await database.init();
    const [a, b] = databases.map((database) => new PostgresPaymentLedger({ database }));
    return {
      ledgers: [a as PostgresPaymentLedger, b as PostgresPaymentLedger],
      cleanup: async () => {
        for (const database of databases) await database.close();
      },
    };
  },
  {
    skip: probe.skip,
    setup: async () => {
      const db = await createTestDatabase('flashsale_ledger');
      current = db;
      return () => db.drop();
    },
  },
);
