import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { postgresOptions } from '../../src/service/options.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { outboxContract } from './outbox-contract.js';
import { storeContract } from './store-contract.js';

const TOPIC = 'order-processing-events';
const probe = await probePostgres();
let current: TestDatabase | undefined;
let schemas = 0;

// One database per suite, one schema per test: tests never see each other's rows.
const settings = {
  skip: probe.skip,
  setup: async () => {
    const db = await createTestDatabase('flashsale_store');
    current = db;
    return () => db.drop();
  },
};

async function open() {
  if (!current) throw new Error('the test database was not created');
  const database = new PostgresDatabase(
    { logger: pino({ level: 'silent' }) },
    {
      ...postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: current.url }),
      schema: `contract_${++schemas}`,
      poolSize: 20,
    },
  );
  await database.init();
  const outbox = new PostgresOutbox({ database });
  const store = new PostgresOrderStore({ database, outbox }, { topic: TOPIC });
  await Promise.all([outbox.init(), store.init()]);
  return { store, outbox, topic: TOPIC, cleanup: () => database.close() };
}

storeContract('PostgreSQL', open, settings);
outboxContract('PostgreSQL', open, settings);
