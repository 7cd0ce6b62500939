import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configFromEnv, resolveConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/errors.js';
import { type OrderNode as RunningNode, startNode } from '../../src/service/node.js';
import { CLI } from '../support/cli-command.js';
import { type Emulator, startEmulator } from '../support/fauxqs.js';
import { getJson, postJson, sampleOrder } from '../support/orders.js';
import { tempDir, waitFor } from '../support/service.js';

describe('scale-out configuration', () => {
  test('a PostgreSQL store needs DATABASE_URL and a bus other than the embedded one', () => {
    assert.throws(
      () => resolveConfig({ store: 'postgres' }),
      (e) => e instanceof ConfigError && e.setting === 'DATABASE_URL',
    );
    assert.throws(
      () => resolveConfig({ store: 'postgres', databaseUrl: 'postgres://db/flashsale' }),
      (e) => e instanceof ConfigError && e.setting === 'bus' && /bus sqs/.test(e.message),
    );
    assert.equal(resolveConfig({ store: 'postgres', bus: 'sqs', databaseUrl: 'postgres://db/x' }).store, 'postgres');
    assert.throws(
      () => resolveConfig({ bus: 'kafka' as 'sqs' }),
      (e) => e instanceof ConfigError && e.setting === 'bus',
    );
    assert.throws(
      () => resolveConfig({ gatewayUrl: 'pay:8090' }),
      (e) => e instanceof ConfigError && e.setting === 'FLASHSALE_GATEWAY_URL',
    );
  });

  test('store, bus, database, gateway and AWS settings come from the standard environment', () => {
    const config = resolveConfig(
      configFromEnv({
        FLASHSALE_STORE: 'postgres',
        FLASHSALE_BUS: 'sqs',
        DATABASE_URL: 'postgres://u:p@db:5432/flashsale',
        FLASHSALE_GATEWAY_URL: 'http://pay:8090',
        AWS_ENDPOINT_URL: 'http://sqs:4566',
        AWS_REGION: 'eu-west-1',
        FLASHSALE_PROVISION: 'true',
      }),
    );
    assert.deepEqual(
      {
        store: config.store,
        bus: config.bus,
        databaseUrl: config.databaseUrl,
        gatewayUrl: config.gatewayUrl,
        aws: config.aws,
      },
      {
        store: 'postgres',
        bus: 'sqs',
        databaseUrl: 'postgres://u:p@db:5432/flashsale',
        gatewayUrl: 'http://pay:8090',
        aws: { endpoint: 'http://sqs:4566', region: 'eu-west-1', provision: true },
      },
    );
    assert.throws(() => configFromEnv({ FLASHSALE_PROVISION: 'maybe' }), ConfigError);
  });

  test('flashsale api refuses a bad combination at start, naming the setting', () => {
    const run = spawnSync(process.execPath, [...CLI, 'api', '--store', 'postgres'], {
      cwd: new URL('../../', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /invalid setting DATABASE_URL/);
  });
});

describe('serve on a SQLite store with SNS/SQS (outbox in the SQLite file)', () => {
  let emulator: Emulator;
  let node: RunningNode;
  let dir: ReturnType<typeof tempDir>;

  before(async () => {
    emulator = await startEmulator();
    dir = tempDir('flashsale-roles-');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    node = await startNode('serve', {
      host: '127.0.0.1',
      port: 0,
      dbPath: join(dir.dir, 'flashsale.db'),
      bus: 'sqs',
      aws: { endpoint: emulator.endpoint, provision: true },
      timeScale: 0.01,
      workers: 4,
      payment: { slots: 0 },
      logLevel: 'silent',
      shutdownGraceMs: 2000,
    });
  });
  after(async () => {
    await node?.close();
    await emulator?.stop();
    dir?.cleanup();
  });

  test('async orders go through the outbox and SQS and complete; /stats shows the relay', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await postJson(`${node.url}/orders/async`, sampleOrder(1000 + i, i));
      assert.equal(r.status, 202);
      ids.push(String(r.body.order_id));
    }
    for (const id of ids) {
      await waitFor(async () => (await getJson(`${node.url}/orders/${id}`)).body.status === 'completed', {
        timeoutMs: 10_000,
        message: `order ${id} to complete`,
      });
    }
    // The processor counts an order just after its completion is stored.
    await waitFor(
      async () =>
        ((await getJson(`${node.url}/stats`)).body as { processed?: { completed: number } }).processed?.completed ===
        10,
      { message: 'processor counted 10 completions' },
    );
    const stats = (await getJson(`${node.url}/stats`)).body as Record<string, Record<string, number>>;
    assert.equal(stats.outbox?.published, 10);
    assert.equal(stats.outbox?.pending, 0);
    assert.equal(stats.queue?.visible, 0);
    assert.equal(stats.processed?.completed, 10);
    assert.equal(stats.role as unknown as string, 'serve');
  });
});
