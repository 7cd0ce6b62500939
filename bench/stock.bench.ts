// npm run bench:stock — what limited stock costs at intake, side by side in one run:
//   1. acceptance of catalog orders (FLASH-001 with a huge stock: every order reserves a unit)
//      ÷ acceptance without a catalog (today's path: FLASH-001 is open, nothing reserved) — goal ≥ 0.9
//   2. sold-out 409 answers/s (FLASH-001 with 0 units: the sold-out fast path, no database work)
//      ÷ the bare 202 route (bench/bare-server.ts: Fastify, the schema, no storage) — goal ≥ 0.8
//   3. PostgreSQL, 3 processes, one hot sku: hotSkuBench() of bench/stock-pg.bench.ts (the batched
//      reservation ÷ the naive conditional UPDATE per order, goal ≥ 3×), skipped with the reason when PostgreSQL does not answer.
// Saturation with autocannon: BENCH_CONNECTIONS connections for BENCH_DURATION_S seconds per run.
// Every flashsale runs embedded (SQLite, synchronous=FULL), workers 0: acceptance alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../test/support/child-service.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const SKU = 'FLASH-001';
const PRICE = 29.99;
const body = JSON.stringify({ customer_id: 1234, items: [{ product_id: SKU, quantity: 1, price: PRICE }] });

async function start(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn' },
  });
  // Kept to explain a start that fails; the banner is not worth printing.
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  for (let i = 0; i < 400; i++) {
    try {
      // Any answer will do (the bare route has no /health): the port is open.
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.arrayBuffer();
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${args.join(' ')} did not start:\n${stderr}`);
}

interface Figures {
  /** Answers per second with the status the run expects. */
  rps: number;
  p50: number;
  p99: number;
  /** Answers with another status, errors and timeouts. */
  other: number;
  statuses: Record<string, number>;
}

async function saturate(url: string, expect: number): Promise<Figures> {
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${url}/orders/async`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        duration: DURATION_S,
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, status) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
  });
  const expected = statuses[expect] ?? 0;
  const all = Object.values(statuses).reduce((a, b) => a + b, 0);
  return {
    rps: expected / DURATION_S,
    p50: result.latency.p50,
    p99: result.latency.p99,
    other: all - expected + result.errors + result.timeouts,
    statuses,
  };
}

interface HotSkuRow {
  design: string;
  perSecond: number;
  p50: number;
  p99: number;
  refused: number;
}
type HotSkuBench = (options: { durationS?: number }) => Promise<{ rows: HotSkuRow[]; ratio: number }>;

/** The PostgreSQL hot-sku rows from bench/stock-pg.bench.ts (npm run bench:stock-pg), or why there are none. */
async function postgresHotSku(): Promise<{ rows: HotSkuRow[] } | string> {
  const file = join(import.meta.dirname, 'stock-pg.bench.ts');
  if (!existsSync(file)) return 'not in this build; run npm run bench:stock-pg';
  const { hotSkuBench } = (await import(pathToFileURL(file).href)) as { hotSkuBench?: HotSkuBench };
  if (!hotSkuBench) return `${file} exports no hotSkuBench; run npm run bench:stock-pg`;
  process.stderr.write(`PostgreSQL hot sku, naive and batched, ${DURATION_S} s each…\n`);
  try {
    return await hotSkuBench({ durationS: DURATION_S });
  } catch (error) {
    return `failed (${(error as Error).message}); is PostgreSQL running? run npm run bench:stock-pg`;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flashsale-bench-stock-'));
const children: ChildProcess[] = [];

/** A flashsale on its own database, with the products of `catalog` (none when undefined). */
async function flashsale(name: string, catalog: object[] | undefined): Promise<string> {
  const port = await freePort();
  const args = ['src/cli/main.ts', 'serve', '--port', String(port), '--db', join(dir, `${name}.db`)];
  if (catalog) {
    const file = join(dir, `${name}-catalog.json`);
    writeFileSync(file, JSON.stringify(catalog));
    args.push('--catalog', file);
  }
  // workers 0: the processor would compete for the same cores; this measures intake alone.
  children.push(await start([...args, '--workers', '0'], port));
  return `http://127.0.0.1:${port}`;
}

/** Runs one server at a time, so that the runs do not share the cores. */
async function measure(name: string, url: Promise<string>, expect: number): Promise<Figures> {
  const target = await url;
  process.stderr.write(`${name}: ${CONNECTIONS} connections, ${DURATION_S} s…\n`);
  const figures = await saturate(target, expect);
  children.pop()?.kill('SIGTERM');
  return figures;
}

try {
  const barePort = await freePort();
  const bareUrl = (async () => {
    children.push(await start(['bench/bare-server.ts', String(barePort)], barePort));
    return `http://127.0.0.1:${barePort}`;
  })();
  const bare = await measure('bare 202 route', bareUrl, 202);
  const open = await measure('no catalog (open sku)', flashsale('open', undefined), 202);
  const huge = [{ sku: SKU, price: PRICE, stock: 1_000_000_000 }];
  const catalog = await measure('catalog, huge stock', flashsale('catalog', huge), 202);
  const none = [{ sku: SKU, price: PRICE, stock: 0 }];
  const soldOut = await measure('catalog, sold out', flashsale('sold-out', none), 409);

  const pg = await postgresHotSku();

  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const ms = (v: number) => Number(v.toFixed(2));
  const ratio = (a: number, b: number, goal: number, unit = '') => {
    const r = a / Math.max(1, b);
    return `${r.toFixed(2)}${unit} ${r >= goal ? '✓' : '✗'} (goal ≥ ${goal}${unit})`;
  };
  const row = (name: string, answer: string, f: Figures, versus: string) =>
    `| ${name} | ${answer} | ${n(f.rps)} | ${ms(f.p50)} | ${ms(f.p99)} | ${n(f.other)} | ${versus} |`;
  console.log(
    `\n### Stock at intake (${DURATION_S} s per run, ${CONNECTIONS} connections, node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log('| run | answer | answers/s | p50 ms | p99 ms | other answers | ratio |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  console.log(row('embedded, bare 202 route (no storage)', '202', bare, 'baseline of the 409s'));
  console.log(row('embedded, no catalog (today’s path)', '202', open, 'baseline of the catalog'));
  console.log(
    row('embedded, catalog (reserves a unit)', '202', catalog, `${ratio(catalog.rps, open.rps, 0.9)} of no catalog`),
  );
  console.log(
    row('embedded, sold out (fast path)', '409', soldOut, `${ratio(soldOut.rps, bare.rps, 0.8)} of the bare route`),
  );
  if (typeof pg === 'string') {
    console.log(`\nPostgreSQL, 3 processes, one hot sku: ${pg}`);
  } else {
    const naive = pg.rows.find((r) => r.design === 'naive');
    const batched = pg.rows.find((r) => r.design === 'batched');
    const pgRow = (r: HotSkuRow, versus: string) =>
      `| PostgreSQL hot sku, 3 processes, ${r.design} | reserved | ${n(r.perSecond)} | ${ms(r.p50)} | ${ms(r.p99)} | ${n(r.refused)} | ${versus} |`;
    if (naive) console.log(pgRow(naive, 'baseline: a conditional UPDATE per order'));
    if (batched && naive) {
      const p99 = `p99 ${ms(batched.p99)} vs ${ms(naive.p99)} ms`;
      console.log(pgRow(batched, `${ratio(batched.perSecond, naive.perSecond, 3, '×')} of naive; ${p99}`));
    }
  }
  const unexpected = soldOut.statuses['202'] ?? 0;
  if (unexpected > 0) {
    console.log(
      `\nnote: the sold-out run got ${n(unexpected)} 202 answers for a product with 0 units: this build does not reserve stock at intake, so its ratio means nothing.`,
    );
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
