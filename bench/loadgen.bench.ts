/**
 * The load generator's own ceiling against a trivial local endpoint, side by
 * side with autocannon in the same run: each tool in its own process against
 * the same keep-alive server (a third process), in alternating rounds.
 *
 *   npm run bench:loadgen                       10 s × 3 rounds, 50 connections
 *   LOADGEN_SECONDS=5 LOADGEN_ROUNDS=5 LOADGEN_CONNECTIONS=100 npm run bench:loadgen
 *
 * Prints a Markdown table: requests/s of each tool, the ratio, and the client
 * CPU time per request (Linux, from the children's rusage).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.LOADGEN_SECONDS ?? 10);
const ROUNDS = Number(process.env.LOADGEN_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.LOADGEN_CONNECTIONS ?? 50);
const GOAL = 0.8;

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }); res.end('ok'); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

interface Measure {
  rps: number;
  requests: number;
  /** CPU seconds of the whole child process, start-up included. */
  cpuS: number | undefined;
}

/** CPU seconds of this process's waited-for children (Linux /proc; undefined elsewhere). */
function childrenCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ", cutime and cstime are the 14th and 15th fields, in clock ticks (100 per second).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c;
    });
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

async function measure(fn: () => Promise<{ requests: number; seconds: number }>): Promise<Measure> {
  const cpuBefore = childrenCpuSeconds();
  const { requests, seconds } = await fn();
  const cpuAfter = childrenCpuSeconds();
  const cpuS = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { rps: requests / seconds, requests, cpuS };
}

/** `amount` requests in all (the start-up baseline), or a timed run. */
function autocannon(url: string, amount?: number): Promise<Measure> {
  return measure(async () => {
    const out = await run(process.execPath, [
      join(root, 'node_modules/autocannon/autocannon.js'),
      '-c',
      String(CONNECTIONS),
      ...(amount ? ['-a', String(amount)] : ['-d', String(SECONDS)]),
      '--json',
      url,
    ]);
    const report = JSON.parse(out) as { requests: { total: number }; duration: number };
    return { requests: report.requests.total, seconds: report.duration };
  });
}

function flashsale(url: string, dir: string, round: number, runTime = `${SECONDS}s`): Promise<Measure> {
  return measure(async () => {
    const json = join(dir, `round-${round}.json`);
    await run(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'loadtest',
      '--host',
      url,
      '--endpoint',
      '/',
      '--users',
      String(CONNECTIONS),
      '--spawn-rate',
      '1000000',
      '--wait',
      '0',
      '--run-time',
      runTime,
      '--time-scale',
      '1',
      '--no-stats',
      '-q',
      '--exit-code-on-error',
      '0',
      '--json-file',
      json,
      '--csv',
      join(dir, `round-${round}`),
    ]);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { summary: { requests: number }; durationMs: number };
    return { requests: result.summary.requests, seconds: result.durationMs / 1000 };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** Client CPU per request, net of the tool's start-up (measured by a near-empty run). */
const fmtCpu = (m: Measure, startup: Measure) =>
  m.cpuS === undefined || startup.cpuS === undefined
    ? '—'
    : (((m.cpuS - startup.cpuS) * 1e6) / (m.requests - startup.requests)).toFixed(1);

async function main(): Promise<void> {
  const server: ChildProcess = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) =>
    server.stdout!.once('data', (c: Buffer) => resolve(c.toString().trim())),
  );
  const url = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-loadgen-bench-'));
  const rows: { round: number; ac: Measure; fs: Measure }[] = [];
  console.error(`trivial server at ${url}; ${ROUNDS} rounds of ${SECONDS} s, ${CONNECTIONS} connections each`);
  let startup: { ac: Measure; fs: Measure } | undefined;
  try {
    startup = { ac: await autocannon(url, CONNECTIONS), fs: await flashsale(url, dir, 0, '50ms') };
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which tool goes first, so drift in the machine's load does not favour one.
      let ac: Measure;
      let fs: Measure;
      if (round % 2) {
        ac = await autocannon(url);
        fs = await flashsale(url, dir, round);
      } else {
        fs = await flashsale(url, dir, round);
        ac = await autocannon(url);
      }
      rows.push({ round, ac, fs });
      console.error(
        `round ${round}: autocannon ${fmt(ac.rps)}/s, flashsale ${fmt(fs.rps)}/s (${(fs.rps / ac.rps).toFixed(2)}×)`,
      );
    }
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const acMedian = median(rows.map((r) => r.ac.rps));
  const fsMedian = median(rows.map((r) => r.fs.rps));
  const ratio = fsMedian / acMedian;
  const cpu = cpus();
  console.log(
    `Load generator ceiling: GET / on a trivial node:http server, ${CONNECTIONS} keep-alive connections, ${SECONDS} s per run; ${cpu.length} × ${cpu[0]?.model.trim() ?? 'CPU'}, Node ${process.version}; server and client share the cores.\n`,
  );
  console.log(
    '| round | autocannon req/s | flashsale loadtest req/s | ratio | CPU µs/request (autocannon / flashsale) |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.round} | ${fmt(r.ac.rps)} | ${fmt(r.fs.rps)} | ${(r.fs.rps / r.ac.rps).toFixed(2)}× | ${fmtCpu(r.ac, startup!.ac)} / ${fmtCpu(r.fs, startup!.fs)} |`,
    );
  }
  console.log(`| **median** | **${fmt(acMedian)}** | **${fmt(fsMedian)}** | **${ratio.toFixed(2)}×** | |`);
  console.log(`\nGoal ≥ ${GOAL}× autocannon: ${ratio >= GOAL ? 'met' : 'NOT met'}.`);
}

await main();
