/**
 * PostgreSQL hot-sku benchmark: 3 processes, each with its own store and pool,
 * reserving one sku as fast as they can (closed loop, `concurrency` accepts in
 * flight per process), with the batched reservation (one decrement per sku per
 * batch) and with the naive one (a conditional UPDATE and a transaction per
 * order), in the same run. Prints reservations/s, p50 and p99, and the ratio.
 *
 *   npx tsx bench/stock-pg.bench.ts [--duration 10 --concurrency 64 --processes 3]
 *
 * `hotSkuBench(options)` runs it for another script (the stock benchmark).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { checkProduct } from '../src/core/catalog.js';
import { newOrder } from '../src/core/order.js';
import { PostgresCatalog } from '../src/postgres/catalog.js';
import { PostgresDatabase } from '../src/postgres/database.js';
import { PostgresOrderStore } from '../src/postgres/order-store.js';
import { PostgresOutbox } from '../src/postgres/outbox.js';

export type Reservation = 'batched' | 'naive';

export interface HotSkuOptions {
  /** Admin URL of the server; a database is created and dropped. Default FLASHSALE_TEST_PG_URL or the local one. */
  pgUrl?: string;
  /** Seconds of load per design. Default 10. */
  durationS?: number;
  /** Accepts in flight per process. Default 64. */
  concurrency?: number;
  /** Processes taking orders. Default 3. */
  processes?: number;
  /** Connections per process. Default 10 (the setting's default). */
  poolSize?: number;
}

export interface HotSkuRow {
  design: Reservation;
  reservations: number;
  perSecond: number;
  p50: number;
  p99: number;
  refused: number;
}

const SKU = 'FLASH-001';
const script = fileURLToPath(import.meta.url);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0);
}

/** Runs the hot-sku load with each design, in one run, on a fresh schema each. */
export async function hotSkuBench(options: HotSkuOptions = {}): Promise<{ rows: HotSkuRow[]; ratio: number }> {
  const adminUrl = options.pgUrl ?? process.env.FLASHSALE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `flashsale_hotsku_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const rows: HotSkuRow[] = [];
  try {
    for (const design of ['naive', 'batched'] as const) rows.push(await runDesign(url.toString(), design, options));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
  const [naive, batched] = rows;
  return { rows, ratio: (batched?.perSecond ?? 0) / (naive?.perSecond || 1) };
}

async function runDesign(url: string, design: Reservation, options: HotSkuOptions): Promise<HotSkuRow> {
  const schema = `hot_${design}`;
  const database = open(url, schema, 4);
  await database.init();
  // More units than any run can take: the figure is reservations, not sold-out answers.
  await new PostgresCatalog({ database }).put(checkProduct(SKU, { price: 29.99, stock: 100_000_000 }));
  await database.close();
  const durationS = options.durationS ?? 10;
  const args = [
    '--child',
    '--url',
    url,
    '--schema',
    schema,
    '--design',
    design,
    '--duration',
    String(durationS),
    '--concurrency',
    String(options.concurrency ?? 64),
    '--pool-size',
    String(options.poolSize ?? 10),
  ];
  // Every process starts its load when all are connected and ready.
  const children = Array.from({ length: options.processes ?? 3 }, () => child(args));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.result));
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const reservations = results.reduce((sum, r) => sum + r.created, 0);
  return {
    design,
    reservations,
    perSecond: reservations / durationS,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    refused: results.reduce((sum, r) => sum + r.other, 0),
  };
}

interface ChildResult {
  created: number;
  other: number;
  latencies: number[];
}

function child(args: string[]): { ready: Promise<void>; go(): void; result: Promise<ChildResult> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) ready();
  });
  const result = new Promise<ChildResult>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.slice('ready\n'.length)) as ChildResult)
        : reject(new Error(`bench process exited ${code}`)),
    );
  });
  return { ready: isReady, go: () => proc.stdin.end('go\n'), result };
}

function open(url: string, schema: string, poolSize: number): PostgresDatabase {
  return new PostgresDatabase(
    { logger: pino({ level: 'silent' }) },
    { url, schema, poolSize, connectTimeoutMs: 0, queryTimeoutMs: 0 },
  );
}

/** One process: its own pool and store, a closed loop of accepts of the hot sku from `startAt` for `duration` s. */
async function runChild(values: Record<string, string | boolean | undefined>): Promise<void> {
  const database = open(String(values.url), String(values.schema), Number(values['pool-size']));
  await database.init();
  const outbox = new PostgresOutbox({ database });
  const store = new PostgresOrderStore({ database, outbox }, { stockReservation: values.design as Reservation });
  // Warm the pool before the start, then wait for the parent's word.
  await Promise.all(Array.from({ length: Number(values['pool-size']) }, () => database.query('SELECT 1')));
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const end = Date.now() + Number(values.duration) * 1000;
  const result: ChildResult = { created: 0, other: 0, latencies: [] };
  const loop = async () => {
    while (Date.now() < end) {
      const order = newOrder(
        { customer_id: Math.floor(Math.random() * 1_000_000), items: [{ product_id: SKU, quantity: 1, price: 29.99 }] },
        randomUUID(),
        'async',
        Date.now(),
      );
      const started = performance.now();
      const outcome = await store.accept({ order, publish: true, stock: { mode: 'open' } });
      if (Date.now() > end) break;
      result.latencies.push(Math.round((performance.now() - started) * 100) / 100);
      if (outcome.kind === 'created') result.created++;
      else result.other++;
    }
  };
  await Promise.all(Array.from({ length: Number(values.concurrency) }, loop));
  await database.close();
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[1] === script) {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      url: { type: 'string' },
      schema: { type: 'string' },
      design: { type: 'string' },
      'pool-size': { type: 'string', default: '10' },
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '64' },
      processes: { type: 'string', default: '3' },
      'pg-url': { type: 'string' },
    },
  });
  if (values.child) {
    await runChild(values);
  } else {
    const options: HotSkuOptions = {
      durationS: Number(values.duration),
      concurrency: Number(values.concurrency),
      processes: Number(values.processes),
      poolSize: Number(values['pool-size']),
      ...(values['pg-url'] ? { pgUrl: values['pg-url'] } : {}),
    };
    const { rows, ratio } = await hotSkuBench(options);
    console.log(
      `\nPostgreSQL, one hot sku, ${options.processes} processes × ${options.concurrency} accepts in flight, ${options.durationS} s each\n`,
    );
    console.log('| reservation | reservations/s | p50 ms | p99 ms | reservations | other outcomes |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(
        `| ${r.design} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.reservations} | ${r.refused} |`,
      );
    }
    const [naive, batched] = rows;
    console.log(
      `\nbatched ÷ naive: ${ratio.toFixed(2)}× reservations/s (goal ≥ 3×); p99 ${batched?.p99.toFixed(1)} ms vs ${naive?.p99.toFixed(1)} ms`,
    );
  }
}
