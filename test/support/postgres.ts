import pg from 'pg';

/** Admin connection to the local server; FLASHSALE_TEST_PG_URL overrides it. */
export const PG_ADMIN_URL = process.env.FLASHSALE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Whether the local PostgreSQL answers. Under CI=true a missing server fails
 * the run (throws); elsewhere the caller skips with the message returned.
 */
export async function probePostgres(): Promise<{ skip: false } | { skip: string }> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { skip: false };
  } catch (error) {
    const reason = `PostgreSQL is not reachable at ${PG_ADMIN_URL}: ${(error as Error).message || (error as { code?: string }).code}`;
    if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: PostgreSQL tests must run)`);
    console.log(`# skipping PostgreSQL tests — ${reason}`);
    return { skip: reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  name: string;
  /** Connection URL of the new database. */
  url: string;
  /** The same database reached through another host:port (a proxy). */
  urlVia(port: number): string;
  drop(): Promise<void>;
}

/** Creates a database with a unique name; `drop()` removes it, closing anyone still connected. */
export async function createTestDatabase(prefix = 'flashsale_test'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(`CREATE DATABASE ${name}`);
  const base = new URL(PG_ADMIN_URL);
  const at = (host: string) => {
    const url = new URL(base);
    url.host = host;
    url.pathname = `/${name}`;
    return url.toString();
  };
  return {
    name,
    url: at(base.host),
    urlVia: (port) => at(`127.0.0.1:${port}`),
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
