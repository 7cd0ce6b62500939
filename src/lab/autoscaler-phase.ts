/** The seed's proposed improvement: a worker pool that scales on queue depth, fed the flash sale. */
import { fromLoadStart, type LabContext, round, runLoad, withService } from './context.js';
import { backlog, emptyAt, peak } from './measure.js';
import type { Figure, PhaseRun } from './results.js';
import { readStats } from './stats-sampler.js';
import { CLIENT_TIMEOUT_S, FLASH_SALE_RATE, workersNeeded } from './theory.js';

/** Upper bound the lab gives the autoscaler: room above the 180 the sale needs. */
const MAX_WORKERS = 300;

/** Whether this build's service has an autoscaler (its /stats says so when it does). */
async function hasAutoscaler(url: string): Promise<boolean> {
  const stats = await readStats(url);
  return stats.autoscaler !== undefined && stats.autoscaler !== null;
}

export async function autoscalerPhase(ctx: LabContext): Promise<PhaseRun> {
  const { opts } = ctx;
  const startedAt = new Date().toISOString();
  const latencyS = opts.paymentLatencyMs / 1000;
  const runS = opts.asyncRunTimeMs / 1000;
  const needed = workersNeeded(latencyS);
  const base = {
    id: 'autoscaler',
    group: 'autoscaler' as const,
    title: 'Autoscaled workers, flash sale',
    setup: `${runS} s of ${FLASH_SALE_RATE} orders/s; the autoscaler sets 1–${MAX_WORKERS} workers from the arrival rate and the backlog; payment slots unlimited, ${latencyS} s per payment; then the drain`,
    startedAt,
    notes: [] as string[],
    files: [] as string[],
  };
  const outcome = await withService(
    ctx,
    {
      name: 'autoscaler',
      workers: 1,
      slots: 0,
      extra: { autoscale: { enabled: true, minWorkers: 1, maxWorkers: MAX_WORKERS } },
    },
    async (run) => {
      if (!(await hasAutoscaler(run.service.url))) return undefined;
      const load = await runLoad(ctx, run, {
        scenario: 'flash-60',
        endpoint: 'async',
        runTimeMs: opts.asyncRunTimeMs,
        timeoutMs: (CLIENT_TIMEOUT_S * 1000) / opts.timeScale,
        label: 'lab-autoscaler',
      });
      const accepted = load.result.statusCodes['202'] ?? 0;
      ctx.status(`autoscaler: draining the queue (at most ${opts.drainLimitMs / 1000} s)`);
      await run.sampler.waitFor(
        (p) => backlog(p) === 0 && p.completed + p.failed >= accepted,
        (opts.drainLimitMs + 1000) * opts.timeScale,
      );
      return { load, accepted, stats: await readStats(run.service.url) };
    },
  );
  if (!outcome.value) {
    return {
      phase: {
        ...base,
        wallMs: Math.round(outcome.wallMs),
        figures: [],
        series: [],
        skipped: 'this build of flashsale has no autoscaler (its /stats has no "autoscaler" section)',
      },
    };
  }
  const { load, accepted } = outcome.value;
  const series = fromLoadStart(outcome.series, load.startS);
  const loadEndS = round(load.endS - load.startS, 3);
  const empty = emptyAt(series, loadEndS, accepted);
  const reached = series.find((p) => p.workers >= needed);
  const peakWorkers = peak(series, (p) => p.workers);
  const failures = load.result.summary.failures;
  const last = series.at(-1);
  const figures: Figure[] = [
    { name: 'orders accepted', unit: '', measured: accepted, theory: FLASH_SALE_RATE * runS },
    { name: 'failures', unit: '', measured: failures, theory: 0, verdict: failures === 0 ? 'ok' : 'off' },
    {
      name: 'most workers',
      unit: 'workers',
      measured: peakWorkers,
      theory: needed,
      basis: 'at least 60 orders/s × 3 s to keep up',
      verdict: peakWorkers >= needed ? 'ok' : 'off',
    },
    {
      name: `time until ${needed} workers`,
      unit: 's',
      measured: reached ? round(reached.t, 1) : null,
      theory: null,
    },
    { name: 'peak queue depth (waiting + being paid)', unit: 'orders', measured: peak(series, backlog), theory: null },
    {
      name: 'time to drain after the sale',
      unit: 's',
      measured: empty ? round(empty.t - loadEndS, 1) : null,
      theory: null,
      ...(empty ? {} : { note: `not empty after ${opts.drainLimitMs / 1000} s` }),
    },
    { name: 'workers at the end', unit: 'workers', measured: last?.workers ?? null, theory: null },
    { name: 'service CPU', unit: 's', measured: outcome.usage.cpuS, theory: null, note: 'not scaled' },
    { name: 'service peak memory (RSS)', unit: 'MB', measured: outcome.usage.peakRssMb, theory: null },
  ];
  return {
    phase: {
      ...base,
      wallMs: Math.round(outcome.wallMs),
      figures,
      series,
      loadEndS,
      usage: outcome.usage,
      notes: [...load.result.notes],
    },
    loadtest: load.result,
  };
}
