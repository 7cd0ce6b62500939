/**
 * npm run bench:admission — the study's synchronous flash sale (20 users, 10/s
 * spawn, 100–500 ms waits, 10 s client timeout, 1 payment slot of 3 s) against
 * `flashsale serve` with admission control on and off, in the same run. Prints
 * the goodput ratio: successful orders/s ÷ theoretical capacity (slots ÷ latency).
 *
 *   npm run bench:admission                                   60 s simulated each, time scale 0.25
 *   ADMISSION_SECONDS=30 ADMISSION_TIME_SCALE=1 npm run bench:admission   the seed's 30 s, in real time
 *
 * The server runs in its own process; the 20 users run here, at the same time scale.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FlashFigures, flashFigures, runClosedLoop } from '../test/support/closed-loop.js';

const SCALE = Number(process.env.ADMISSION_TIME_SCALE ?? 0.25);
const SECONDS = Number(process.env.ADMISSION_SECONDS ?? 60);
const LATENCY_MS = 3000;
const CAPACITY = 1 / (LATENCY_MS / 1000);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function serve(admission: boolean, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', String(port)];
  args.push('--db', join(dir, `${admission ? 'on' : 'off'}.db`), '--time-scale', String(SCALE), '--workers', '0');
  if (!admission) args.push('--no-admission-control');
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (
      await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill();
  throw new Error(`flashsale serve did not start (try: npx tsx ${args.slice(2).join(' ')})`);
}

async function flash(admission: boolean, dir: string): Promise<FlashFigures & { paid: number }> {
  const { url, child } = await serve(admission, dir);
  try {
    const result = await runClosedLoop({
      url: `${url}/orders/sync`,
      users: 20,
      spawnPerSecond: 10 / SCALE,
      durationMs: SECONDS * 1000 * SCALE,
      waitMs: [100 * SCALE, 500 * SCALE],
      timeoutMs: 10_000 * SCALE,
    });
    // Payments the provider made, including those whose client had already given up.
    const stats = (await (await fetch(`${url}/stats`)).json()) as { payments: { executed: number } };
    return { ...flashFigures(result, SCALE), paid: stats.payments.executed };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flashsale-admission-'));
try {
  process.stderr.write(
    `sync flash sale, ${SECONDS} s simulated at time scale ${SCALE}, admission control on then off…\n`,
  );
  const on = await flash(true, dir);
  const off = await flash(false, dir);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const row = (name: string, f: FlashFigures & { paid: number }) =>
    [
      name,
      f.requests,
      f.successes,
      f.timeouts,
      f.paid,
      f.rejected,
      f.rejected ? f.rejectionP99Ms.toFixed(1) : '–',
      f.successPerSecond.toFixed(3),
      `**${pct(f.successPerSecond / CAPACITY)}**`,
    ].join(' | ');
  const lines = [
    `Sync flash sale: 20 users, ${SECONDS} s, 10 s client timeout, 1 slot × 3 s (capacity 0.333 orders/s); time scale ${SCALE}`,
    '',
    '| admission control | requests | 200 | client timeouts | payments made | 503 refused | 503 p99 ms (wall) | successful orders/s | goodput |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${row('on (default)', on)} |`,
    `| ${row('off (--no-admission-control)', off)} |`,
    '| the seed (30 s, Locust) | 45 | 6 | 39 | – | – | – | 0.200 | 60.0 % |',
    '',
    `Busy period with admission on (first to last success): ${on.busyRate.toFixed(4)} orders/s = ${pct(on.busyRate / CAPACITY)} of capacity.`,
  ];
  console.log(`\n${lines.join('\n')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
