/**
 * Scale-out benchmark: async acceptance (orders/s, p99) of the one-process
 * embedded service next to an api process on PostgreSQL + SNS/SQS (the fauxqs
 * emulator in its own process) with the PostgreSQL batch off (one statement
 * per order) and on (group commit), in the same run, and the outbox relay's
 * publish rate. Accept-only (no workers), so the figures are the accept path.
 *
 *   npm run bench:scale-out [-- --duration 10 --connections 50]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'pg-url': {
      type: 'string',
      default: process.env.FLASHSALE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const root = new URL('..', import.meta.url).pathname;
const children: ChildProcess[] = [];
const body = JSON.stringify({ customer_id: 1234, items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }] });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.once('error', reject);
  });
}

/** Starts a process and resolves once `url`/health answers. */
async function start(args: string[], env: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return child;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not start`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  setup: string;
  ordersPerS: number;
  p50: number;
  p99: number;
  non202: number;
  accepted: number;
}

async function load(url: string, setup: string): Promise<Row> {
  const result = await autocannon({
    url: `${url}/orders/async`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
  const accepted = result['2xx'];
  return {
    setup,
    ordersPerS: accepted / duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non202: result.non2xx + result.errors + result.timeouts,
    accepted,
  };
}

const cli = ['--import', 'tsx', 'src/cli/main.ts'];
const rows: Row[] = [];
const relay: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'flashsale-bench-'));
let database: string | undefined;
try {
  // Embedded: one process, one SQLite file, group commit.
  const port = await freePort();
  const serve = await start(
    [
      ...cli,
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '0',
      '--db',
      join(dir, 'embedded.db'),
    ],
    {},
    `http://127.0.0.1:${port}`,
  );
  rows.push(await load(`http://127.0.0.1:${port}`, 'embedded (SQLite file, one process)'));
  await stop(serve);

  // PostgreSQL + SNS/SQS: an api process, its outbox relay publishing to the emulator.
  const admin = new pg.Client({ connectionString: values['pg-url'], connectionTimeoutMillis: 3000 });
  const reachable = await admin.connect().then(
    () => true,
    (error: Error) => {
      console.error(`PostgreSQL not reachable at ${values['pg-url']} (${error.message}); skipping that setup`);
      return false;
    },
  );
  if (reachable) {
    const sqsPort = await freePort();
    await start(
      ['node_modules/fauxqs/dist/cli.js'],
      { FAUXQS_PORT: String(sqsPort), FAUXQS_LOGGER: 'false' },
      `http://127.0.0.1:${sqsPort}`,
    );
    // Unbatched (one statement per order, today's path) and batched (group commit), each on a fresh database.
    for (const batch of ['off', 'on'] as const) {
      database = `flashsale_bench_${process.pid}_${batch}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const dbUrl = new URL(values['pg-url'] as string);
      dbUrl.pathname = `/${database}`;
      const apiPort = await freePort();
      const api = await start(
        [...cli, 'api', '--host', '127.0.0.1', '--port', String(apiPort), '--store', 'postgres', '--bus', 'sqs'],
        {
          DATABASE_URL: dbUrl.toString(),
          AWS_ENDPOINT_URL: `http://127.0.0.1:${sqsPort}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_EC2_METADATA_DISABLED: 'true',
          FLASHSALE_PROVISION: 'true',
          FLASHSALE_PG_BATCH: batch,
        },
        `http://127.0.0.1:${apiPort}`,
      );
      const started = performance.now();
      const setup = `PostgreSQL + SNS/SQS (emulated), one api process, --pg-batch ${batch}`;
      rows.push(await load(`http://127.0.0.1:${apiPort}`, setup));
      const loadEnded = performance.now();
      // The relay keeps publishing after the load: wait until the outbox is empty.
      let outbox = { pending: 1, published: 0 };
      while (outbox.pending > 0) {
        outbox = ((await (await fetch(`http://127.0.0.1:${apiPort}/stats`)).json()) as { outbox: typeof outbox })
          .outbox;
        if (outbox.pending > 0) await new Promise((r) => setTimeout(r, 50));
      }
      const drained = performance.now();
      relay.push(
        `Outbox relay (--pg-batch ${batch}): ${outbox.published} messages published to SNS in ${((drained - started) / 1000).toFixed(1)} s = ${(outbox.published / ((drained - started) / 1000)).toFixed(0)} msg/s (backlog drained ${((drained - loadEnded) / 1000).toFixed(1)} s after the load ended)`,
      );
      await stop(api);
      await admin.query(`DROP DATABASE ${database} WITH (FORCE)`);
      database = undefined;
    }
    await admin.end();
  }
} finally {
  await Promise.all(children.map(stop));
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nAsync acceptance, ${connections} connections × ${duration} s, POST /orders/async (autocannon)\n`);
console.log('| setup | accepted orders/s | p50 ms | p99 ms | non-202 |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.setup} | ${r.ordersPerS.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non202} |`);
}
const unbatched = rows.find((r) => r.setup.endsWith('--pg-batch off'));
const batched = rows.find((r) => r.setup.endsWith('--pg-batch on'));
if (unbatched && batched) {
  console.log(
    `\nPostgreSQL batched ÷ unbatched: ${(batched.ordersPerS / unbatched.ordersPerS).toFixed(2)}× orders/s (goal ≥ 2×); p99 ${batched.p99} ms vs ${unbatched.p99} ms`,
  );
}
if (relay.length > 0) console.log(`\n${relay.join('\n')}`);
