// npm run chaos [-- --short] [--json] [--faults kill-api,pg-refuse] [--rate 60] …
// A fault-injection run of the distributed setup (gateway + 2 api + 2 worker on
// PostgreSQL and fauxqs) under a steady load: one fault at a time, then a table
// of what the customers and the ledger saw. Exits 1 when any order was lost,
// charged twice or left stuck, a process died, or an answer was a 5xx other than 503.
import { parseArgs } from 'node:util';
import { FAULT_NAMES, type FaultName } from './chaos/faults.js';
import { type ChaosOptions, DEFAULT_OPTIONS, runChaos, SHORT_OPTIONS } from './chaos/run.js';
import { formatReport } from './chaos/table.js';

const USAGE = `usage: npm run chaos -- [options]
  --short                 the CI run: 3 s outages, 1 s restarts, 30 orders/s
  --json                  print the report as JSON instead of the table
  --faults a,b,…          faults to inject, in order (default all: ${FAULT_NAMES.join(', ')})
  --rate <n>              orders per second (default ${DEFAULT_OPTIONS.rate})
  --time-scale <x>        time scale of the processes (default ${DEFAULT_OPTIONS.timeScale})
  --workers <n>           workers per worker process (default ${DEFAULT_OPTIONS.workersPerProcess})
  --outage <s>            seconds each outage lasts (default ${DEFAULT_OPTIONS.outageMs / 1000})
  --restart-after <s>     seconds a killed process stays down (default ${DEFAULT_OPTIONS.restartDelayMs / 1000})
  --stuck-after <s>       seconds after a fault by which its orders must be final (default ${DEFAULT_OPTIONS.stuckAfterMs / 1000})
  --log-level <level>     log level of the flashsale processes (default ${DEFAULT_OPTIONS.logLevel})`;

function fail(message: string): never {
  console.error(`chaos: ${message}\n${USAGE}`);
  process.exit(2);
}

function seconds(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${flag} must be a number of seconds ≥ 0, got "${value}"`);
  return n * 1000;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${flag} must be a number > 0, got "${value}"`);
  return n;
}

function parseOptions(argv: string[]): { options: ChaosOptions; json: boolean } {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      options: {
        short: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        faults: { type: 'string' },
        rate: { type: 'string' },
        'time-scale': { type: 'string' },
        workers: { type: 'string' },
        outage: { type: 'string' },
        'restart-after': { type: 'string' },
        'stuck-after': { type: 'string' },
        'log-level': { type: 'string' },
      },
    });
  try {
    parsed = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const base = v.short ? SHORT_OPTIONS : DEFAULT_OPTIONS;
  const faults = (v.faults?.split(',').map((f) => f.trim()) ?? [...FAULT_NAMES]) as FaultName[];
  for (const f of faults) if (!FAULT_NAMES.includes(f)) fail(`--faults: unknown fault "${f}"`);
  const stuckAfterMs = seconds('stuck-after', v['stuck-after'], base.stuckAfterMs);
  return {
    json: v.json ?? false,
    options: {
      ...base,
      faults,
      rate: positive('rate', v.rate, base.rate),
      timeScale: positive('time-scale', v['time-scale'], base.timeScale),
      workersPerProcess: Math.round(positive('workers', v.workers, base.workersPerProcess)),
      outageMs: seconds('outage', v.outage, base.outageMs),
      restartDelayMs: seconds('restart-after', v['restart-after'], base.restartDelayMs),
      stuckAfterMs,
      settleMs: Math.min(base.settleMs, stuckAfterMs),
      logLevel: v['log-level'] ?? base.logLevel,
    },
  };
}

const { options, json } = parseOptions(process.argv.slice(2));
const report = await runChaos({ ...options, progress: (line) => console.error(`chaos: ${line}`) });
console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
process.exit(report.failed ? 1 : 0);
