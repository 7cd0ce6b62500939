import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { freePort } from '../../test/support/child-service.js';
import { EMULATOR_AWS, type Emulator, emulatorEnv, startEmulator } from '../../test/support/fauxqs.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../../test/support/postgres.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { type Death, Supervised } from './supervised.js';

/** The admin token of the fleet's processes: the harness reads the stock audit with it. */
export const CHAOS_ADMIN_TOKEN = 'chaos-harness-admin-token';

/** The skus the load orders (order-stream.ts), at its prices, each with a stock no run exhausts. */
const CHAOS_PRODUCTS = [
  { sku: 'FLASH-001', price: 29.99, stock: 10_000_000 },
  { sku: 'FLASH-002', price: 49.99, stock: 10_000_000 },
  { sku: 'FLASH-003', price: 99.99, stock: 10_000_000 },
];

export interface FleetOptions {
  /** Simulated-time multiplier of every flashsale process. */
  timeScale: number;
  /** Concurrent workers in each of the two worker processes. */
  workersPerProcess: number;
  /** Real ms a supervisor waits before starting a process that died. */
  restartDelayMs: number;
  /** flashsale log level of the processes. */
  logLevel: string;
}

/** The harness's own connection: left alone when every flashsale backend is terminated. */
export const HARNESS_APPLICATION = 'flashsale-chaos-harness';

/**
 * The distributed setup under test: a fresh PostgreSQL database, fauxqs, and
 * gateway + 2 api + 2 worker processes. PostgreSQL, the SQS emulator and the
 * gateway are each reached through a TCP proxy the harness can cut, so an
 * outage never touches the machine's shared PostgreSQL server.
 */
export class Fleet {
  readonly deaths: Death[] = [];
  readonly logDir = mkdtempSync(join(tmpdir(), 'flashsale-chaos-'));
  /** Direct connection (not through the proxy) for the harness's checks. */
  sql!: pg.Client;
  db!: TestDatabase;
  pgProxy!: TcpProxy;
  sqsProxy!: TcpProxy;
  gatewayProxy!: TcpProxy;
  gateway!: Supervised;
  apis: Supervised[] = [];
  workers: Supervised[] = [];
  private emulator?: Emulator;

  constructor(private readonly options: FleetOptions) {}

  get processes(): Supervised[] {
    return [this.gateway, ...this.apis, ...this.workers].filter(Boolean);
  }

  async start(): Promise<void> {
    this.db = await createTestDatabase('chaos');
    this.sql = new pg.Client({ connectionString: this.db.url, application_name: HARNESS_APPLICATION });
    await this.sql.connect();
    this.emulator = await startEmulator();
    const pgPort = Number(new URL(PG_ADMIN_URL).port || 5432);
    this.pgProxy = await new TcpProxy({ host: '127.0.0.1', port: pgPort }).start();
    this.sqsProxy = await new TcpProxy({ host: '127.0.0.1', port: this.emulator.port }).start();
    const gatewayPort = await freePort();
    this.gatewayProxy = await new TcpProxy({ host: '127.0.0.1', port: gatewayPort }).start();

    const { timeScale, workersPerProcess } = this.options;
    // The load's three skus as products with more units than any run sells: every order reserves
    // at intake and sells or releases its units with its end, so the faults hit the stock paths too.
    const catalog = join(this.logDir, 'catalog.json');
    writeFileSync(catalog, JSON.stringify({ products: CHAOS_PRODUCTS }));
    const env = {
      ...emulatorEnv(`http://127.0.0.1:${this.sqsProxy.port}`),
      DATABASE_URL: this.db.urlVia(this.pgProxy.port),
      FLASHSALE_STORE: 'postgres',
      FLASHSALE_BUS: 'sqs',
      FLASHSALE_TIME_SCALE: String(timeScale),
      FLASHSALE_GATEWAY_URL: `http://127.0.0.1:${this.gatewayProxy.port}`,
      FLASHSALE_LOG_LEVEL: this.options.logLevel,
      FLASHSALE_CATALOG: catalog,
      FLASHSALE_ADMIN_TOKEN: CHAOS_ADMIN_TOKEN,
    };
    // Every worker may pay at once: the gateway is not the bottleneck under test.
    const slots = 2 * workersPerProcess;
    this.gateway = this.role('gateway', ['gateway', '--payment-slots', String(slots)], env, gatewayPort);
    await this.gateway.start();
    // APIs first: they provision the topic and queues the workers look up at start.
    this.apis = [];
    for (const name of ['api-1', 'api-2'])
      this.apis.push(this.role(name, ['api', '--provision'], env, await freePort()));
    await Promise.all(this.apis.map((api) => api.start()));
    this.workers = [];
    for (const name of ['worker-1', 'worker-2']) {
      this.workers.push(this.role(name, ['worker', '--workers', String(workersPerProcess)], env, await freePort()));
    }
    await Promise.all(this.workers.map((worker) => worker.start()));
  }

  /**
   * The stock audit of an api process (`GET /admin/products/audit`): every sku recomputed from
   * the orders and compared with its counters; the first api that answers.
   */
  async stockAudit(): Promise<{ clean: boolean; drift: string[]; orders: number } | undefined> {
    for (const api of this.apis) {
      try {
        const response = await fetch(`${api.url}/admin/products/audit`, {
          headers: { authorization: `Bearer ${CHAOS_ADMIN_TOKEN}` },
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) continue;
        const audit = (await response.json()) as {
          clean: boolean;
          orders_scanned: number;
          skus: Array<{ sku: string; drift: unknown[] }>;
        };
        const drift = audit.skus.flatMap((s) => s.drift.map((d) => `${s.sku}: ${JSON.stringify(d)}`));
        return { clean: audit.clean, drift, orders: audit.orders_scanned };
      } catch {
        // That api is down or restarting: ask the next one.
      }
    }
    return undefined;
  }

  /** Every process of the fleet runs (a supervisor's restart included). */
  async allRunning(): Promise<boolean> {
    await Promise.all(this.processes.map((p) => p.settled()));
    return this.processes.every((p) => p.running);
  }

  /** Ends every connection flashsale holds to the run's database (not the harness's own). */
  async terminateBackends(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
      [this.db.name, HARNESS_APPLICATION],
    );
    return rows[0]?.n ?? 0;
  }

  /** Messages in the dead-letter queue, read from the emulator directly (not through the proxy). */
  async deadLetters(): Promise<number> {
    const sqs = new SQSClient({ ...EMULATOR_AWS, endpoint: this.emulator?.endpoint });
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'order-processing-queue-dlq' }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
      );
    } finally {
      sqs.destroy();
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.stop()));
    await this.sql?.end().catch(() => undefined);
    await this.pgProxy?.stop();
    await this.sqsProxy?.stop();
    await this.gatewayProxy?.stop();
    await this.emulator?.stop();
    await this.db?.drop();
  }

  /** Last resort when the harness itself exits: no child outlives it. */
  killNow(): void {
    for (const p of this.processes) p.killNow();
  }

  private role(name: string, args: string[], env: Record<string, string>, port: number): Supervised {
    return new Supervised(name, `http://127.0.0.1:${port}`, {
      args: [...args, '--host', '127.0.0.1', '--port', String(port)],
      env,
      logDir: this.logDir,
      restartDelayMs: this.options.restartDelayMs,
      onDeath: (death) => this.deaths.push(death),
    });
  }
}
