/** Phases 1–4 of the study: the synchronous checkout collapsing, the asynchronous one accepting everything. */
import { fromLoadStart, type LabContext, loadFigures, round, runLoad, withService } from './context.js';
import { backlog, queueGrowth, saturatedRate } from './measure.js';
import { type Figure, type PhaseResult, type PhaseRun, within } from './results.js';
import { readStats } from './stats-sampler.js';
import { burstTheory, CLIENT_TIMEOUT_S, FLASH_SALE_RATE, SEED_SYNC, syncTheory } from './theory.js';

/** Synchronous checkout, one payment slot, the study's normal or flash-sale users. */
export async function syncPhase(ctx: LabContext, kind: 'normal' | 'flash'): Promise<PhaseRun> {
  const id = `sync-${kind}` as const;
  const startedAt = new Date().toISOString();
  const latencyS = ctx.opts.paymentLatencyMs / 1000;
  // The study's checkout had no admission control or breaker: without them it collapses as the seed saw.
  const extra = { admission: { enabled: false }, breaker: { enabled: false } };
  const outcome = await withService(ctx, { name: id, workers: 1, slots: 1, extra }, async (run) => {
    const load = await runLoad(ctx, run, {
      scenario: kind,
      endpoint: 'sync',
      label: `lab-${id}`,
      ...(ctx.opts.syncRunTimeMs ? { runTimeMs: ctx.opts.syncRunTimeMs } : {}),
    });
    // Payments already under way when the load stopped still finish; count them all.
    await run.sampler.waitFor((p) => p.paymentsInFlight === 0 && p.paymentsWaiting === 0, 5000);
    const payments = (await readStats(run.service.url)).payments as { executed?: number } | undefined;
    return { ...load, executed: payments?.executed ?? 0 };
  });
  const { result, startS, endS, executed } = outcome.value;
  const load = loadFigures(result);
  const analysis = syncTheory(latencyS, load.requestsPerS);
  const cap = analysis.capacityPerS;
  const seed = SEED_SYNC[kind];
  // Whatever the users ask beyond capacity fails: the floor at the demand they actually made.
  const floor = analysis.syncFailureRate;
  const figures: Figure[] = [
    {
      name: 'successful orders per second',
      unit: '/s',
      measured: load.successesPerS,
      theory: round(cap, 3),
      basis: 'at most 1 slot ÷ 3 s',
      seed: seed.successesPerS,
      // A little over theory is rounding at the run's edges; much over would mean a second slot.
      verdict: load.successesPerS <= cap * 1.1 ? 'ok' : 'off',
    },
    {
      name: 'failure share',
      unit: '%',
      measured: round(100 * load.failureShare, 1),
      theory: round(100 * floor, 1),
      basis: 'at least 1 − capacity ÷ measured request rate',
      seed: round(100 * seed.failureShare, 1),
      verdict: load.failureShare >= floor - 0.05 ? 'ok' : 'off',
    },
    { name: 'requests per second', unit: '/s', measured: load.requestsPerS, theory: null, seed: seed.requestsPerS },
    {
      name: 'payments made after the customer gave up',
      unit: '',
      measured: Math.max(0, executed - (result.statusCodes['200'] ?? 0)),
      theory: null,
      note: 'charged, but the customer saw no answer: timed out, or cut off when the run stopped',
    },
    {
      name: 'fastest response',
      unit: 'ms',
      measured: round(load.minMs, 0),
      theory: ctx.opts.paymentLatencyMs,
      basis: 'one payment',
    },
    { name: 'median response', unit: 'ms', measured: round(load.p50Ms, 0), theory: null, seed: seed.medianMs },
    {
      name: 'slowest response',
      unit: 'ms',
      measured: round(load.maxMs, 0),
      theory: CLIENT_TIMEOUT_S * 1000,
      basis: 'the client gives up at 10 s',
      seed: seed.maxMs,
    },
  ];
  const users = kind === 'normal' ? 5 : 20;
  const phase: PhaseResult = {
    id,
    group: id,
    title: kind === 'normal' ? 'Synchronous checkout, normal traffic' : 'Synchronous checkout, flash sale',
    setup: `POST /orders/sync, ${users} closed-loop users (wait 100–500 ms, timeout 10 s) for ${result.config.runTimeMs / 1000} s; 1 payment slot of ${latencyS} s; admission control and breaker off, as in the study`,
    startedAt,
    wallMs: Math.round(outcome.wallMs),
    figures,
    series: fromLoadStart(outcome.series, startS),
    loadEndS: round(endS - startS, 3),
    load,
    usage: outcome.usage,
    notes: [...result.notes],
    files: [],
  };
  return { phase, loadtest: result };
}

/** Asynchronous checkout at 60 orders/s with one worker and one slot: everything accepted, the queue grows. */
export async function asyncFlashPhase(ctx: LabContext): Promise<PhaseRun> {
  const startedAt = new Date().toISOString();
  const { opts } = ctx;
  const latencyS = opts.paymentLatencyMs / 1000;
  const runS = opts.asyncRunTimeMs / 1000;
  const outcome = await withService(ctx, { name: 'async-flash', workers: 1, slots: 1 }, async (run) => {
    const load = await runLoad(ctx, run, {
      scenario: 'flash-60',
      endpoint: 'async',
      runTimeMs: opts.asyncRunTimeMs,
      // Acceptance is pure compute: the client's 10 s applies to wall time, not to scaled time.
      timeoutMs: (CLIENT_TIMEOUT_S * 1000) / opts.timeScale,
      label: 'lab-async-flash',
    });
    // A few more payments, so the one worker's rate is measured over more than the sale.
    const more = Math.max(4 * latencyS, 0.25 * runS);
    await run.sampler.waitFor((p) => p.t >= load.endS + more, (more * 1000 * opts.timeScale) / 0.5);
    return load;
  });
  const { result, startS, endS } = outcome.value;
  const series = fromLoadStart(outcome.series, startS);
  const loadEndS = round(endS - startS, 3);
  const load = loadFigures(result);
  const theory = burstTheory(1, runS, latencyS, 1);
  const atEnd = series.filter((p) => p.t <= loadEndS).at(-1);
  const endBacklog = atEnd ? backlog(atEnd) : 0;
  const rate = saturatedRate(series, latencyS);
  const growth = queueGrowth(series, latencyS, loadEndS);
  const accepted = result.statusCodes['202'] ?? 0;
  const projectedDrainS = rate && rate.rate > 0 ? endBacklog / rate.rate : null;
  const figures: Figure[] = [
    {
      name: 'orders accepted (202)',
      unit: '%',
      measured: round((100 * accepted) / Math.max(1, load.requests), 2),
      theory: 100,
      verdict: load.failures === 0 ? 'ok' : 'off',
    },
    { name: 'failures', unit: '', measured: load.failures, theory: 0, verdict: load.failures === 0 ? 'ok' : 'off' },
    {
      name: 'orders accepted per second',
      unit: '/s',
      measured: round(accepted / runS, 2),
      theory: FLASH_SALE_RATE,
      basis: 'the flash sale',
    },
    {
      name: 'acceptance time, median',
      unit: 'ms',
      measured: load.p50Ms,
      theory: null,
      note: 'wall time, not scaled',
    },
    {
      name: 'acceptance time, 95th percentile',
      unit: 'ms',
      measured: load.p95Ms,
      theory: 100,
      basis: 'target < 100 ms',
      verdict: load.p95Ms < 100 ? 'ok' : 'off',
      note: 'wall time, not scaled',
    },
    {
      name: 'acceptance time, mean',
      unit: 'ms',
      measured: load.avgMs,
      theory: null,
      seed: 47,
      note: 'seed: the sister report',
    },
    {
      name: 'queue growth during the sale',
      unit: '/s',
      measured: round(growth, 2),
      theory: round(theory.growthPerS, 2),
      basis: '60 − 1 ÷ 3 s',
      verdict: within(growth, theory.growthPerS, 0.1) ? 'ok' : 'off',
    },
    {
      name: 'backlog when the sale ends',
      unit: 'orders',
      measured: endBacklog,
      theory: Math.round(theory.peakBacklog),
      basis: '60 × run − (run − 3 s) ÷ 3 s',
    },
    {
      name: 'processing rate, 1 worker',
      unit: '/s',
      measured: rate ? round(rate.rate, 3) : null,
      theory: round(theory.rate, 3),
      basis: '1 ÷ 3 s',
      verdict: rate && within(rate.rate, theory.rate, 0.1) ? 'ok' : 'off',
    },
    {
      name: 'service CPU per order accepted',
      unit: 'ms',
      measured: outcome.usage.cpuMsPerOrder,
      theory: null,
      note: 'not scaled',
    },
    { name: 'service peak memory (RSS)', unit: 'MB', measured: outcome.usage.peakRssMb, theory: null },
    {
      name: 'time to drain the backlog',
      unit: 's',
      measured: projectedDrainS === null ? null : Math.round(projectedDrainS),
      theory: Math.round(theory.drainS),
      basis: 'backlog × 3 s',
      note: 'projected from the measured rate',
    },
  ];
  const phase: PhaseResult = {
    id: 'async-flash',
    group: 'async-flash',
    title: 'Asynchronous checkout, flash sale, one worker',
    setup: `POST /orders/async at ${FLASH_SALE_RATE} orders/s (open loop, timeout 10 s wall) for ${runS} s; 1 worker, 1 payment slot of ${latencyS} s`,
    startedAt,
    wallMs: Math.round(outcome.wallMs),
    figures,
    series,
    loadEndS,
    load,
    usage: outcome.usage,
    notes: [...result.notes],
    files: [],
  };
  return { phase, loadtest: result };
}
