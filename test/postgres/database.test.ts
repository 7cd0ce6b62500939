import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { FlashsaleError } from '../../src/core/errors.js';
import { PostgresDatabase } from '../../src/postgres/database.js';
import { createTestDatabase, probePostgres, type TestDatabase } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const probe = await probePostgres();

describe('PostgresDatabase when connections are lost', { skip: probe.skip }, () => {
  let db: TestDatabase;
  let admin: pg.Client;

  before(async () => {
    db = await createTestDatabase('flashsale_pgdb');
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  });

  after(async () => {
    await admin?.end();
    await db?.drop();
  });

  test('a connection terminated inside a transaction fails that transaction, not the process', async () => {
    const database = new PostgresDatabase(
      { logger: pino({ level: 'silent' }) },
      { ...DEFAULT_CONFIG.postgres, url: db.url },
    );
    try {
      await database.init();
      const outcome = database.transaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
        // The server's notice arrives while the transaction is idle between statements.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await client.query('SELECT 1');
      });
      await assert.rejects(outcome, (error: Error) => error instanceof FlashsaleError);
      // The broken connection was discarded: the pool answers again at once.
      assert.equal((await database.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
    } finally {
      await database.close();
    }
  });

  test('store_unavailable carries no address or driver text in its message; the cause keeps them', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(new URL(db.url).port || 5432) }).start();
    const database = new PostgresDatabase(
      { logger: pino({ level: 'silent' }) },
      { ...DEFAULT_CONFIG.postgres, url: db.urlVia(proxy.port), connectTimeoutMs: 1000 },
    );
    try {
      await database.query('SELECT 1');
      await proxy.stop();
      const error = await database.query('SELECT 1').then(
        () => assert.fail('the query went through a stopped proxy'),
        (e: unknown) => e as FlashsaleError,
      );
      assert.equal(error.code, 'store_unavailable');
      assert.equal(error.retryable, true);
      assert.equal(error.message, 'the database is unavailable');
      assert.match(String((error.cause as Error).message), /ECONNREFUSED|terminated|ECONNRESET/);
    } finally {
      await database.close();
      await proxy.stop();
    }
  });
});
