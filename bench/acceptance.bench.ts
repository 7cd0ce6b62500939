// npm run bench — async acceptance on this machine, side by side with a bare
// route that answers 202 and stores nothing, measured in the same run.
//   1. saturation: 200 connections for 10 s (BENCH_ROUNDS times, alternating) → orders/s, p50, p99
//   2. the study's flash sale: 60 orders/s for 10 s, open loop → p50, p99
// Every flashsale 202 is sent only once an fdatasync of the WAL holding its order has returned.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { runLoadTest } from '../src/loadtest/runner.js';
import { freePort } from '../test/support/child-service.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
// Saturation alternates bare and flashsale this many times; the ratio printed is the median round's.
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
// Group commit turns concurrency into batch size: saturation needs enough clients in flight.
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const body = JSON.stringify({ customer_id: 1234, items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }] });

async function start(args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn' },
  });
  // Up to a minute: tsx compiles the service at start, slowly on a busy machine.
  for (let i = 0; i < 1200; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/orders/async`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      return child;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`${args.join(' ')} did not start`);
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, options: { connections: number }): Promise<Figures> {
  const result = await autocannon({
    url: `${url}/orders/async`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: options.connections,
    duration: DURATION_S,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * 60 orders/s sent at fixed times by flashsale's own open-loop generator,
 * latency measured from each request's intended send time (autocannon's rate
 * mode sends in bursts, which shows up as client-side queueing).
 */
async function paced(url: string): Promise<Figures> {
  const result = await runLoadTest({
    host: url,
    endpoint: 'async',
    rate: 60,
    runTimeMs: DURATION_S * 1000,
    timeScale: 1,
    trackOrders: 0,
  });
  const s = result.summary;
  return {
    rps: s.requests / (DURATION_S || 1),
    p50: Number(s.percentiles['50']?.toFixed(2)),
    p99: Number(s.percentiles['99']?.toFixed(2)),
    errors: s.failures,
    non2xx: 0,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'flashsale-bench-'));
const children: ChildProcess[] = [];
try {
  const barePort = await freePort();
  children.push(await start(['bench/bare-server.ts', String(barePort)], barePort));
  const flashPort = await freePort();
  // workers 0: the processor would compete for the same two cores; this measures acceptance alone.
  const flashArgs = [
    'src/cli/main.ts',
    'serve',
    '--port',
    String(flashPort),
    '--db',
    join(dir, 'bench.db'),
    '--workers',
    '0',
  ];
  children.push(await start(flashArgs, flashPort));
  const bare = `http://127.0.0.1:${barePort}`;
  const flash = `http://127.0.0.1:${flashPort}`;

  process.stderr.write(`saturation, ${CONNECTIONS} connections, ${DURATION_S} s each, ${ROUNDS} round(s)…\n`);
  const rounds: Array<{ bare: Figures; flash: Figures }> = [];
  for (let i = 0; i < ROUNDS; i++) {
    const bareRound = await load(bare, { connections: CONNECTIONS });
    rounds.push({ bare: bareRound, flash: await load(flash, { connections: CONNECTIONS }) });
  }
  rounds.sort((a, b) => a.flash.rps / a.bare.rps - b.flash.rps / b.bare.rps);
  const median = rounds[Math.floor(rounds.length / 2)] as { bare: Figures; flash: Figures };
  const bareMax = median.bare;
  const flashMax = median.flash;
  process.stderr.write(`60 orders/s, ${DURATION_S} s each…\n`);
  const bare60 = await paced(bare);
  const flash60 = await paced(flash);
  const stats = (await (await fetch(`${flash}/stats`)).json()) as { storage: { commits: number; writes: number } };

  const row = (name: string, f: Figures) =>
    `| ${name} | ${Math.round(f.rps).toLocaleString('en-US')} | ${f.p50} | ${f.p99} | ${f.errors + f.non2xx} |`;
  console.log(
    `\n### Async acceptance (${DURATION_S} s per run, node ${process.version}, ${new Date().toISOString().slice(0, 10)})\n`,
  );
  console.log('| run | orders/s | p50 ms | p99 ms | errors |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(row('bare 202 route, saturation', bareMax));
  console.log(row('flashsale /orders/async, saturation', flashMax));
  console.log(row('bare 202 route, 60 orders/s', bare60));
  console.log(row('flashsale /orders/async, 60 orders/s', flash60));
  if (rounds.length > 1)
    console.log(
      `\nsaturation ratio per round: ${rounds.map((r) => (r.flash.rps / r.bare.rps).toFixed(2)).join(', ')} (median shown)`,
    );
  console.log(
    `\nflashsale reaches ${((flashMax.rps / bareMax.rps) * 100).toFixed(0)} % of the bare route's rate (goal ≥ 60 %); ` +
      `p99 at 60 orders/s ${flash60.p99} ms, the bare route's + ${(flash60.p99 - bare60.p99).toFixed(2)} ms (goal ≤ + 1.5 ms); ` +
      `${(stats.storage.writes / Math.max(1, stats.storage.commits)).toFixed(1)} writes per durable commit on average.`,
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
