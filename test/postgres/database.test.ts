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

  test('connections terminated again and again under load, even as they are handed out: every call settles, the process lives', async () => {
    const database = new PostgresDatabase(
      { logger: pino({ level: 'silent' }) },
      { ...DEFAULT_CONFIG.postgres, url: db.url },
    );
    // An 'error' event nobody hears is thrown: in this process it would end the test run.
    const unheard: unknown[] = [];
    const onUncaught = (error: unknown) => unheard.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      await database.init();
      const name = new URL(db.url).pathname.slice(1);
      let running = true;
      let settled = 0;
      const loop = async () => {
        while (running) {
          // A transaction of a few statements, then a one-off query: both ways a connection is held.
          await database
            .transaction(async (client) => {
              await client.query('SELECT pg_advisory_xact_lock(42)');
              await client.query('SELECT 1');
            })
            .catch(() => undefined);
          await database.query('SELECT 1').catch(() => undefined);
          settled++;
        }
      };
      const loops = Array.from({ length: 12 }, loop);
      for (let round = 0; round < 20; round++) {
        await new Promise((resolve) => setTimeout(resolve, 30));
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
      }
      running = false;
      const stalled = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('a call never settled after its connection was terminated')), 10_000).unref(),
      );
      await Promise.race([Promise.all(loops), stalled]);
      assert.deepEqual(unheard, [], 'no connection error went unheard');
      assert.ok(settled > 20, `the loops went round (${settled})`);
      assert.equal((await database.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one, 1);
    } finally {
      process.off('uncaughtException', onUncaught);
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
