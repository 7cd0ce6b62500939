import pg from 'pg';
import { FlashsaleError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import { Channels } from './channels.js';
import { PG_MIGRATIONS } from './migrations.js';

export interface PostgresOptions {
  /** postgres://user:password@host:port/database (DATABASE_URL). Required. */
  url: string;
  /** Schema to create and use instead of public (one per test run). Default: the server's search_path. */
  schema?: string;
  /** Connections this process keeps at most (setting postgres.poolSize). */
  poolSize: number;
  /** Real ms to wait for a connection before answering "store unavailable"; 0 = forever (postgres.connectTimeoutMs). */
  connectTimeoutMs: number;
  /** Real ms a query may take before it is abandoned; 0 = no limit (postgres.queryTimeoutMs). */
  queryTimeoutMs: number;
}

/** What a statement runs on: the pool, or one client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * A pool of connections to one PostgreSQL database. Connection trouble is
 * reported as a retryable `store_unavailable` error (the API answers 503);
 * the pool reconnects by itself when the server is back.
 */
export class PostgresDatabase implements Queryable {
  private readonly pool: pg.Pool;
  private closed = false;
  /** Backend process ids of this pool's connections: their notifications are this process's own. */
  private readonly backends = new Set<number>();
  /** NOTIFY channels: this process's own notifications at once, other processes' by LISTEN. */
  readonly channels: Channels;

  constructor(
    deps: { logger: Logger },
    readonly options: PostgresOptions,
  ) {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new RangeError(`schema must be a lower-case SQL identifier, got "${schema}"`);
    }
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs,
      query_timeout: options.queryTimeoutMs,
      keepAlive: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection dropped by the server must not crash the process; the pool replaces it.
    // Debug only: a failover drops every connection at once, and the next query that fails is
    // what reports the store down (once, through the dependency health).
    this.pool.on('error', (error) => deps.logger.debug({ err: error.message }, 'idle PostgreSQL connection lost'));
    const pid = (client: pg.PoolClient) => (client as unknown as { processID: number | null }).processID;
    this.pool.on('connect', (client) => {
      const id = pid(client);
      if (id !== null) this.backends.add(id);
    });
    this.pool.on('remove', (client) => {
      const id = pid(client);
      if (id !== null) this.backends.delete(id);
    });
    this.channels = new Channels(
      { logger: deps.logger, isOwnBackend: (id) => this.backends.has(id) },
      { url: options.url, ...(schema ? { schema } : {}) },
    );
  }

  async init(): Promise<void> {
    if (this.options.schema) await this.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
    await this.migrate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.channels.close();
    await this.pool.end();
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw translate(error);
    }
  }

  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  async transaction<T>(fn: (client: Queryable) => Promise<T>): Promise<T> {
    let broken: Error | undefined;
    // A checked-out client has no listener of the pool's: a connection terminated between two
    // statements would otherwise be an unhandled 'error' event and end the process.
    const onError = (error: Error) => {
      broken = error;
    };
    let client: pg.PoolClient;
    try {
      client = await new Promise<pg.PoolClient>((resolve, reject) =>
        // The callback, not the promise: the pool calls it synchronously as it hands the client
        // over, while an awaited promise resumes a tick later — and a termination read in the
        // same chunk as the connection's ReadyForQuery would be emitted in between, unheard.
        this.pool.connect((error, checkedOut) => {
          if (error || !checkedOut) return reject(error ?? new Error('the pool gave no client'));
          checkedOut.on('error', onError);
          resolve(checkedOut);
        }),
      );
    } catch (error) {
      throw translate(error);
    }
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw translate(error);
    } finally {
      // A connection that could not even roll back, or that broke, is discarded, not reused. Its
      // listener stays: the socket may still report its end, and an 'error' nobody hears ends the process.
      if (!broken) client.off('error', onError);
      client.release(broken);
    }
  }

  /** Applies missing migrations; an advisory lock lets many processes start at once. */
  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(7275001)');
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const applied = new Set(
        (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
      );
      for (const migration of PG_MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [migration.version]);
      }
    });
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** Connection-level failures become `store_unavailable`; query errors (bugs, constraints) pass through. */
export function translate(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof FlashsaleError) return error;
  const code = (error as { code?: string }).code ?? '';
  const unreachable =
    NETWORK_CODES.has(code) ||
    /^(08|53|57P)/.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection error|Client was closed/i.test(
      error.message,
    );
  if (!unreachable) return error;
  // The driver's text (addresses, ports, server messages) stays in `cause`, for the logs only:
  // callers may show this message to clients.
  return new FlashsaleError('store_unavailable', 'the database is unavailable', true, { cause: error });
}
