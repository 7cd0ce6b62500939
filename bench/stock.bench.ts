// npm run bench:stock — what limited stock costs at intake, side by side in one run:
//   1. acceptance of catalog orders (FLASH-001 with a huge stock: every order reserves a unit)
//      ÷ acceptance without a catalog (today's path: FLASH-001 is open, nothing reserved) — goal ≥ 0.9
//   2. sold-out 409 answers/s (FLASH-001 with 0 units: the sold-out fast path, no database work)
//      ÷ the bare 202 route (bench/bare-server.ts: Fastify, the schema, no storage) — goal ≥ 0.8
//   3. PostgreSQL, 3 api processes, one hot sku: bench/stock-pg.bench.ts (npm run bench:stock-pg),
//      run after these when it is there.
// Saturation with autocannon: BENCH_CONNECTIONS connections for BENCH_DURATION_S seconds per run.
// Every flashsale runs embedded (SQLite, synchronous=FULL), workers 0: acceptance alone.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/child-service.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const SKU = 'FLASH-001';
const PRICE = 29.99;
const body = JSON.stringify({ customer_id: 1234, items: [{ product_id: SKU, quantity: 1, price: PRICE }] });

async function start(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn' },
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
  throw new Error(`${args.join(' ')} did not start`);
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

  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const ratio = (a: Figures, b: Figures, goal: number) => {
    const r = a.rps / Math.max(1, b.rps);
    return `${r.toFixed(2)} ${r >= goal ? '✓' : '✗'} (goal ≥ ${goal})`;
  };
  const row = (name: string, expect: string, f: Figures, versus: string) =>
    `| ${name} | ${expect} | ${n(f.rps)} | ${f.p50} | ${f.p99} | ${f.other} | ${versus} |`;
  console.log(
    `\n### Stock at intake (${DURATION_S} s per run, ${CONNECTIONS} connections, node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log('| run | answer | answers/s | p50 ms | p99 ms | other answers | ratio |');
  console.log('|---|---|---:|---:|---:|---:|---|');
  console.log(row('bare 202 route (no storage)', '202', bare, 'baseline of the 409s'));
  console.log(row('flashsale, no catalog (today’s path)', '202', open, 'baseline of the catalog'));
  console.log(
    row('flashsale, catalog (reserves a unit)', '202', catalog, `${ratio(catalog, open, 0.9)} of no catalog`),
  );
  console.log(row('flashsale, sold out (fast path)', '409', soldOut, `${ratio(soldOut, bare, 0.8)} of the bare route`));
  const unexpected = soldOut.statuses['202'] ?? 0;
  if (unexpected > 0) {
    console.log(
      `\nnote: the sold-out run got ${n(unexpected)} 202 answers for a product with 0 units: this build does not reserve stock at intake, so its ratio means nothing.`,
    );
  }

  const pg = join('bench', 'stock-pg.bench.ts');
  if (existsSync(pg)) {
    process.stderr.write(`\nPostgreSQL hot sku: ${pg}…\n`);
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', pg], { stdio: 'inherit' });
      child.on('exit', () => resolve());
    });
  } else {
    console.log('\nPostgreSQL, 3 api processes, one hot sku: run npm run bench:stock-pg');
  }
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
