// npm run bench:profile — where the CPU of one accepted async order goes.
// Runs `flashsale serve --workers 0` under `node --cpu-prof`, drives it at
// saturation with autocannon (as `npm run bench` does), then attributes every
// CPU sample taken while the load ran to a stage of the accept path and prints
// µs of the service's CPU per accepted order, by stage.
//   BENCH_DURATION_S (default 10), BENCH_CONNECTIONS (default 200)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/child-service.js';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 200);
const body = JSON.stringify({ customer_id: 1234, items: [{ product_id: 'FLASH-001', quantity: 1, price: 29.99 }] });

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Stages in the order the table prints them. */
const STAGES = [
  'HTTP parse + socket read',
  'Fastify routing + hooks',
  'JSON parse + validation',
  'order built (checkout)',
  'id generation',
  'statements (with their triggers)',
  'savepoint per write',
  'begin / commit (WAL write)',
  'message + items serialisation',
  'group commit bookkeeping',
  'fsync call (the wait is off the loop)',
  'telemetry + dashboard',
  'response serialisation',
  'HTTP response write',
  'GC',
  'other (runtime, promise ticks)',
] as const;
type Stage = (typeof STAGES)[number];

/** Frame rules, tried from the sample's leaf towards the root: the first frame a rule names decides. */
const RULES: Array<[Stage, (f: CallFrame, stack: CallFrame[], i: number) => boolean]> = [
  ['GC', (f) => f.functionName === '(garbage collector)'],
  ['id generation', (f) => f.functionName === 'randomUUID' || /crypto\/random|core\/ids\.ts/.test(f.url)],
  ['message + items serialisation', (f) => f.functionName === 'stringify' || f.functionName === 'orderMessage'],
  ['fsync call (the wait is off the loop)', (f) => /wal-sync\.ts|fs\/promises/.test(f.url)],
  [
    'begin / commit (WAL write)',
    (f, stack, i) =>
      f.functionName === 'sqliteTransaction' && i === stack.length - 1 && depthOf(stack, 'sqliteTransaction') === 1,
  ],
  [
    'savepoint per write',
    (f, stack, i) =>
      (f.functionName === 'sqliteTransaction' && i === stack.length - 1) ||
      (f.functionName === 'transaction' && f.url.includes('better-sqlite3')),
  ],
  [
    'begin / commit (WAL write)',
    (f, stack, i) =>
      i === stack.length - 1 && f.url.includes('group-commit.ts') && /^(transaction|runBatch)$/.test(f.functionName),
  ],
  [
    'statements (with their triggers)',
    (f) => /sqlite\/(order-store|embedded-bus|outbox|catalog|batch-counts)\.ts|better-sqlite3/.test(f.url),
  ],
  ['group commit bookkeeping', (f) => f.url.includes('group-commit.ts') || f.url.includes('sqlite/database.ts')],
  ['telemetry + dashboard', (f) => /\/src\/(telemetry|dashboard)\/|prom-client|hdr-histogram/.test(f.url)],
  [
    'response serialisation',
    (f) =>
      /fast-json-stringify/.test(f.url) ||
      (f.url === '' && /^anonymous\d*$/.test(f.functionName)) ||
      (/lib\/(reply|schemas)\.js/.test(f.url) && /^(serialize|getSchemaSerializer)$/.test(f.functionName)),
  ],
  [
    'HTTP response write',
    (f) =>
      /_http_outgoing|streams\/writable|stream_base_commons/.test(f.url) ||
      /^(writev|writeUtf8String|writeBuffer|resOnFinish)$/.test(f.functionName),
  ],
  [
    'JSON parse + validation',
    (f) =>
      /secure-json-parse|content-type-parser|lib\/validation\.js|ajv|\/src\/api\/server\.ts/.test(f.url) ||
      f.functionName === 'isUtf8' ||
      (f.url === '' && /^validate\d*$/.test(f.functionName)),
  ],
  ['order built (checkout)', (f) => /\/src\/(core|api)\//.test(f.url)],
  ['Fastify routing + hooks', (f) => /fastify|find-my-way|pino|avvio|light-my-request/.test(f.url)],
  [
    'HTTP parse + socket read',
    (f) => /_http_server|_http_common|_http_incoming|node:net|streams\/readable/.test(f.url),
  ],
];

function depthOf(stack: CallFrame[], name: string): number {
  return stack.filter((f) => f.functionName === name).length;
}

/** The stage of one sample, from its stack (root first). */
function stageOf(stack: CallFrame[]): Stage | 'idle' {
  const leaf = stack[stack.length - 1] as CallFrame;
  if (leaf.functionName === '(idle)') return 'idle';
  for (let i = stack.length - 1; i >= 0; i--) {
    const frame = stack[i] as CallFrame;
    for (const [stage, matches] of RULES) if (matches(frame, stack, i)) return stage;
  }
  return 'other (runtime, promise ticks)';
}

/** µs of samples per stage between `from` and `to` (the profile's own µs clock). */
function attribute(profile: CpuProfile, from: number, to: number): Map<Stage, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  const stageCache = new Map<number, Stage | 'idle'>();
  const totals = new Map<Stage, number>(STAGES.map((s) => [s, 0]));
  const byNode = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    const id = profile.samples[i] as number;
    let stage = stageCache.get(id);
    if (!stage) {
      const stack: CallFrame[] = [];
      for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
        const node = byId.get(n);
        if (node) stack.unshift(node.callFrame);
      }
      stage = stageOf(stack);
      stageCache.set(id, stage);
    }
    // A sample's time is the gap to the next sample.
    const next = profile.timeDeltas[i + 1] ?? delta;
    if (stage !== 'idle') totals.set(stage, (totals.get(stage) ?? 0) + next);
    byNode.set(id, (byNode.get(id) ?? 0) + next);
  }
  if (process.env.BENCH_PROFILE_DETAIL) {
    // The heaviest stacks, to check (and refine) where stageOf puts them.
    const frame = (f: CallFrame) => `${f.functionName || '(anon)'}@${f.url.split('/').slice(-2).join('/')}`;
    for (const [id, us] of [...byNode].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_PROFILE_DETAIL))) {
      const stack: string[] = [];
      for (let n: number | undefined = id; n !== undefined; n = parentOf.get(n)) {
        const node = byId.get(n);
        if (node) stack.push(frame(node.callFrame));
      }
      process.stderr.write(`${(us / 1000).toFixed(0)} ms [${stageCache.get(id)}] ${stack.slice(0, 14).join(' < ')}\n`);
    }
  }
  return totals;
}

async function waitForService(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('flashsale did not start');
}

/** The monotonic clock V8's profiler stamps samples with, in µs. */
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

const dir = mkdtempSync(join(tmpdir(), 'flashsale-profile-'));
let child: ChildProcess | undefined;
try {
  const port = await freePort();
  const profDir = join(dir, 'prof');
  child = spawn(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      profDir,
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--port',
      String(port),
      '--db',
      join(dir, 'bench.db'),
      '--workers',
      '0',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FLASHSALE_LOG_LEVEL: 'warn' } },
  );
  await waitForService(port);
  const url = `http://127.0.0.1:${port}/orders/async`;
  const request = { url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body };
  process.stderr.write('warming up, 2 s…\n');
  await autocannon({ ...request, connections: CONNECTIONS, duration: 2 });
  process.stderr.write(`profiling at saturation, ${CONNECTIONS} connections, ${DURATION_S} s…\n`);
  const from = nowMicros();
  const result = await autocannon({ ...request, connections: CONNECTIONS, duration: DURATION_S });
  const to = nowMicros();
  const stats = (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as {
    storage?: { commits: number; writes: number };
  };
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  const file = readdirSync(profDir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('no CPU profile was written');
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile;
  const inWindow = profile.startTime <= to && profile.endTime >= from;
  const totals = attribute(profile, inWindow ? from : profile.startTime, inWindow ? to : profile.endTime);
  const orders = result['2xx'];
  const rows = STAGES.map((stage) => ({ stage, us: (totals.get(stage) ?? 0) / Math.max(1, orders) }));
  const cpu = rows.reduce((sum, r) => sum + r.us, 0);
  const wallUs = ((to - from) / Math.max(1, orders)).toFixed(1);
  console.log(
    `\n### CPU per accepted order, by stage (${Math.round(orders / DURATION_S).toLocaleString('en-US')} orders/s, ` +
      `${CONNECTIONS} connections, ${DURATION_S} s, node ${process.version}${inWindow ? '' : ', whole profile'})\n`,
  );
  console.log('| stage | µs per order | share |');
  console.log('|---|---:|---:|');
  for (const r of rows) console.log(`| ${r.stage} | ${r.us.toFixed(1)} | ${((r.us / cpu) * 100).toFixed(0)} % |`);
  console.log(`| **service CPU (wall ${wallUs} µs per order)** | **${cpu.toFixed(1)}** | 100 % |`);
  const storage = stats.storage;
  if (storage)
    console.log(
      `\nfsync: off the event loop (libuv thread pool); ${(storage.writes / Math.max(1, storage.commits)).toFixed(1)} writes per group commit; ` +
        `errors ${result.errors + result.timeouts}, non-2xx ${result.non2xx}.`,
    );
} finally {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
