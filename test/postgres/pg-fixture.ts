import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { newOrder, type Order } from '../../src/core/order.js';
import { PostgresCatalog } from '../../src/postgres/catalog.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { PostgresOrderStore, type PostgresOrderStoreOptions } from '../../src/postgres/order-store.js';
import { PostgresOutbox } from '../../src/postgres/outbox.js';
import { postgresOptions } from '../../src/service/options.js';

/** One flashsale process's view of a schema: its own pool, store, outbox and catalog. */
export interface PgProcess {
  database: PostgresDatabase;
  store: PostgresOrderStore;
  outbox: PostgresOutbox;
  catalog: PostgresCatalog;
}

/** Opens a 'process' on `schema` of the database at `url` (migrating it if needed). */
export async function openProcess(
  url: string,
  schema: string,
  options: PostgresOrderStoreOptions = {},
  poolSize = 10,
): Promise<PgProcess> {
  const database = new PostgresDatabase(
    { logger: pino({ level: 'silent' }) },
    // Orders may queue behind a hot row for longer than the usual wait for a connection.
    { ...postgresOptions({ ...DEFAULT_CONFIG, databaseUrl: url }), schema, poolSize, connectTimeoutMs: 0 },
  );
  await database.init();
  const outbox = new PostgresOutbox({ database });
  const store = new PostgresOrderStore({ database, outbox }, options);
  return { database, store, outbox, catalog: new PostgresCatalog({ database }) };
}

/** An async order of `customer` for `quantity` × sku at `price`. */
export function orderOf(customer: number, sku = 'FLASH-001', quantity = 1, price = 29.99): Order {
  return newOrder(
    { customer_id: customer, items: [{ product_id: sku, quantity, price }] },
    randomUUID(),
    'async',
    Date.now(),
  );
}
