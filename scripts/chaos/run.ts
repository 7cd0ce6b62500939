import { randomBytes } from 'node:crypto';
import { FAULTS, type FaultName } from './faults.js';
import { Fleet } from './fleet.js';
import { OrderStream } from './order-stream.js';
import { type ChaosRow, judge, type Phase, rowFailed, unfinished } from './verdict.js';
import { sleep, waitUntil } from './wait.js';

export interface ChaosOptions {
  /** Faults injected, one at a time, in this order. Default: all of FAULT_NAMES. */
  faults: FaultName[];
  /**
   * Orders (and reads) per second of the steady load. Default 40: below the study's 60 so that a
   * shared 2-core machine keeps headroom to drain a 10 s outage's backlog within the stuck deadline.
   */
  rate: number;
  /** Share of the load that reads an accepted order back (GET /orders/{id}). Default 0.1. */
  readShare: number;
  /**
   * Time scale of every process: 0.2 makes a 3 s payment 600 ms. Default 0.2; much smaller and the
   * breaker's 10 s payment timeout (2 s real) trips on a busy machine's event-loop lag alone.
   */
  timeScale: number;
  /** Workers per worker process (2 processes). Default 40: 60 orders/s × 0.6 s would need 36 in all. */
  workersPerProcess: number;
  /** Real ms of each outage. Default 10000. */
  outageMs: number;
  /** Real ms a killed process stays down. Default 3000. */
  restartDelayMs: number;
  /** Real ms of steady load before each fault. Default 3000. */
  leadMs: number;
  /** Longest real ms to wait after a fault for its orders to finish before the next one. Default 60000. */
  settleMs: number;
  /** Real ms after a fault's end by which each of its orders must be final. Default 60000. */
  stuckAfterMs: number;
  /** Real ms a client waits for an answer before counting a hang. Default 10000, the study's timeout. */
  clientTimeoutMs: number;
  /** Log level of the flashsale processes. Default warn. */
  logLevel: string;
  /** Progress lines (to stderr in the command). */
  progress?: (line: string) => void;
}

export interface ChaosReport {
  options: Omit<ChaosOptions, 'progress'>;
  rows: ChaosRow[];
  /** Orders accepted over the whole run. */
  accepted: number;
  /** Payments recorded twice in the whole ledger (orders the harness did not track included). */
  ledgerDuplicates: number;
  /**
   * The stock audit once every order ended: clean, or the drift it found, and the orders with
   * reserved lines it recomputed (undefined: no api answered).
   */
  stock: { clean: boolean; drift: string[]; orders: number } | undefined;
  /** Messages in the dead-letter queue at the end (the processor's and SQS's own redrive). */
  deadLetters: number;
  /** Requests the load generator did not send because too many were in flight. */
  skipped: number;
  logDir: string;
  failed: boolean;
}

export const DEFAULT_OPTIONS: Omit<ChaosOptions, 'faults' | 'progress'> = {
  rate: 40,
  readShare: 0.1,
  timeScale: 0.2,
  workersPerProcess: 40,
  outageMs: 10_000,
  restartDelayMs: 3000,
  leadMs: 3000,
  settleMs: 60_000,
  stuckAfterMs: 60_000,
  clientTimeoutMs: 10_000,
  logLevel: 'warn',
};

/**
 * The shortened run for CI: 3 s outages and 1 s restarts at 30 orders/s.
 * Orders must still be final 40 s after each fault: an api killed mid-round
 * leaves its outbox lease to expire after 30 s before another relay takes it.
 */
export const SHORT_OPTIONS: Omit<ChaosOptions, 'faults' | 'progress'> = {
  ...DEFAULT_OPTIONS,
  rate: 30,
  workersPerProcess: 20,
  outageMs: 3000,
  restartDelayMs: 1000,
  leadMs: 1500,
  settleMs: 10_000,
  stuckAfterMs: 40_000,
  clientTimeoutMs: 5000,
};

/**
 * Starts the fleet, runs a steady load through every fault in turn, then
 * waits for the orders to end and judges each fault. Everything started is
 * torn down again, the database included.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.progress ?? (() => undefined);
  const fleet = new Fleet(options);
  const killOnExit = () => fleet.killNow();
  // Interrupted: no child outlives the harness, and the run's database goes with it.
  const interrupted = () => {
    fleet.killNow();
    void fleet.db
      ?.drop()
      .catch(() => undefined)
      .finally(() => process.exit(130));
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', interrupted);
  let stream: OrderStream | undefined;
  try {
    say(`starting gateway, 2 api and 2 worker processes (logs in ${fleet.logDir})`);
    await fleet.start();
    say(`database ${fleet.db.name}; load ${options.rate}/s at time scale ${options.timeScale}`);
    const runId = `chaos-${randomBytes(4).toString('hex')}`;
    const load = new OrderStream(fleet.apis, {
      rate: options.rate,
      readShare: options.readShare,
      timeoutMs: options.clientTimeoutMs,
      runId,
    });
    stream = load;
    // Each request belongs to the phase it was sent in; the phases tile the run without gaps.
    let from = Date.now();
    load.start();
    const phases: Phase[] = [];
    for (const [i, name] of options.faults.entries()) {
      const fault = FAULTS[name];
      const rejectionsAtStart = await rejections(fleet);
      await sleep(options.leadMs);
      say(`${fault.label}…`);
      const span = await fault.inject(fleet, options);
      // Recovered: every process up again and the orders taken before the fault ended are final.
      const before = [...load.accepted].filter(([, at]) => at < span.healedAt).map(([id]) => id);
      const settled = await waitUntil(
        async () => (await fleet.allRunning()) && (await unfinished(fleet.sql, before)) === 0,
        { timeoutMs: options.settleMs, intervalMs: 250 },
      ).catch(() => false);
      if (!settled) say(`  not settled ${options.settleMs / 1000} s after ${name}; going on`);
      const last = i === options.faults.length - 1;
      if (last) await load.stop();
      const to = last ? Number.POSITIVE_INFINITY : Date.now();
      phases.push({
        fault: name,
        label: fault.label,
        note: span.note,
        from,
        injectedAt: span.injectedAt,
        healedAt: span.healedAt,
        to,
        rejectionsAtStart,
        rejectionsAtEnd: await rejections(fleet),
      });
      from = to;
    }
    if (options.faults.length === 0) await load.stop();
    say('waiting for every accepted order to end…');
    const ids = [...load.accepted.keys()];
    const deadline = Math.max(...phases.map((p) => p.healedAt + options.stuckAfterMs), Date.now());
    await waitUntil(async () => (await unfinished(fleet.sql, ids)) === 0, {
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: 500,
    }).catch(() => undefined);
    const rows = await judge(fleet.sql, phases, load.exchanges, fleet.deaths, options.stuckAfterMs);
    const { rows: dup } = await fleet.sql.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT order_id FROM payment_ledger GROUP BY order_id HAVING count(*) > 1) d',
    );
    const ledgerDuplicates = dup[0]?.n ?? 0;
    const stock = await fleet.stockAudit();
    const { progress: _, ...shown } = options;
    return {
      options: shown,
      rows,
      accepted: ids.length,
      ledgerDuplicates,
      stock,
      deadLetters: await fleet.deadLetters().catch(() => -1),
      skipped: load.skipped,
      logDir: fleet.logDir,
      failed: ledgerDuplicates > 0 || !stock?.clean || rows.some(rowFailed),
    };
  } finally {
    await stream?.stop().catch(() => undefined);
    await fleet.stop().catch((error) => say(`teardown: ${(error as Error).message}`));
    process.off('exit', killOnExit);
    process.off('SIGINT', interrupted);
  }
}

/** Unhandled rejections of every process so far, each read now; undefined when none reports them. */
async function rejections(fleet: Fleet): Promise<number | undefined> {
  await Promise.all(fleet.processes.map((p) => p.sample()));
  const counts = fleet.processes.map((p) => p.unhandledRejections);
  if (counts.every((n) => n === undefined)) return undefined;
  return counts.reduce<number>((sum, n) => sum + (n ?? 0), 0);
}
