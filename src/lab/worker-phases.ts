/** Phase 5 of the study: worker scaling, and the fewest workers that keep up with 60 orders/s. */
import { fromLoadStart, type LabContext, round, runLoad, withService } from './context.js';
import { backlog, emptyAt, peak, saturatedRate, slope } from './measure.js';
import { type Figure, type PhaseResult, type PhaseRun, type Probe, within } from './results.js';
import type { QueuePoint } from './stats-sampler.js';
import { burstTheory, CLIENT_TIMEOUT_S, FLASH_SALE_RATE, workersNeeded } from './theory.js';

/** The flash sale, open loop, with the client's 10 s applied to wall time (acceptance is not simulated work). */
function flashSale(ctx: LabContext, runTimeMs: number, label: string) {
  return {
    scenario: 'flash-60',
    endpoint: 'async',
    runTimeMs,
    timeoutMs: (CLIENT_TIMEOUT_S * 1000) / ctx.opts.timeScale,
    label,
  };
}

/** A burst of the flash sale into N workers with unlimited payment slots, then the drain. */
export async function scalingPhase(ctx: LabContext, workers: number): Promise<PhaseRun> {
  const { opts } = ctx;
  const id = `workers-${workers}`;
  const startedAt = new Date().toISOString();
  const latencyS = opts.paymentLatencyMs / 1000;
  const burstS = opts.scalingBurstMs / 1000;
  const outcome = await withService(ctx, { name: id, workers, slots: 0 }, async (run) => {
    const load = await runLoad(ctx, run, flashSale(ctx, opts.scalingBurstMs, `lab-${id}`));
    const accepted = load.result.statusCodes['202'] ?? 0;
    ctx.status(`${id}: draining the queue (at most ${opts.drainLimitMs / 1000} s)`);
    const limitMs = (opts.drainLimitMs + 1000) * opts.timeScale;
    const drained = await run.sampler.waitFor((p) => backlog(p) === 0 && p.completed + p.failed >= accepted, limitMs);
    return { load, accepted, drained: drained !== undefined };
  });
  const { load, accepted, drained } = outcome.value;
  const series = fromLoadStart(outcome.series, load.startS);
  const loadEndS = round(load.endS - load.startS, 3);
  const theory = burstTheory(workers, burstS, latencyS);
  const rate = saturatedRate(series, latencyS);
  const peakBacklog = peak(series, backlog);
  const empty = drained ? emptyAt(series, loadEndS, accepted) : undefined;
  const last = series.at(-1);
  let drainS: number | null = null;
  let drainNote: string | undefined;
  if (empty) {
    drainS = round(empty.t - loadEndS, 1);
  } else if (rate && last) {
    drainS = round(last.t - loadEndS + backlog(last) / rate.rate, 1);
    drainNote = `projected: ${backlog(last)} orders left after ${round(last.t - loadEndS, 0)} s, at the measured rate`;
  }
  const failures = load.result.summary.failures;
  const usage = outcome.usage;
  const figures: Figure[] = [
    {
      name: 'processing rate',
      unit: '/s',
      measured: rate ? round(rate.rate, 3) : null,
      theory: round(theory.rate, 3),
      basis: `${workers} ÷ ${latencyS} s`,
      verdict: rate && within(rate.rate, theory.rate, 0.1) ? 'ok' : 'off',
      ...(rate ? { note: `${rate.completions} payments over ${round(rate.toS - rate.fromS, 1)} s` } : {}),
    },
    {
      name: 'peak queue depth (waiting + being paid)',
      unit: 'orders',
      measured: peakBacklog,
      theory: Math.round(theory.peakBacklog),
      basis: '60 × burst − rate × (burst − 3 s)',
    },
    { name: 'peak waiting (visible)', unit: 'orders', measured: peak(series, (p) => p.visible), theory: null },
    {
      name: 'time to drain after the sale',
      unit: 's',
      measured: drainS,
      theory: round(theory.drainS, 1),
      basis: 'backlog ÷ rate',
      ...(drainNote ? { note: drainNote } : {}),
    },
    {
      name: 'orders accepted',
      unit: '',
      measured: accepted,
      theory: theory.orders,
      verdict: failures === 0 ? 'ok' : 'off',
    },
    { name: 'service CPU', unit: 's', measured: usage.cpuS, theory: null, note: 'not scaled' },
    {
      name: 'service CPU, share of one core',
      unit: '%',
      measured: round(100 * usage.cpuShareOfCore, 1),
      theory: null,
      note: 'of wall time; includes accepting the orders and answering the lab’s /stats readings',
    },
    { name: 'service peak memory (RSS)', unit: 'MB', measured: usage.peakRssMb, theory: null },
  ];
  const phase: PhaseResult = {
    id,
    group: 'scaling',
    title: `Worker scaling: ${workers} worker${workers === 1 ? '' : 's'}`,
    setup: `${burstS} s of ${FLASH_SALE_RATE} orders/s into ${workers} worker(s), payment slots unlimited, ${latencyS} s per payment; then the drain (at most ${opts.drainLimitMs / 1000} s)`,
    startedAt,
    wallMs: Math.round(outcome.wallMs),
    figures,
    series,
    loadEndS,
    usage,
    notes: [...load.result.notes],
    files: [],
  };
  return { phase, loadtest: load.result };
}

/** Growth above this share of the demand per second counts as a queue that does not stay bounded. */
const GROWTH_TOLERANCE = 0.01;

/** A probe whose feed fell this far short of 60/s (a starved load generator) is run again. */
const FEED_TOLERANCE = 0.05;

/** One probe: the flash sale into N workers; kept up when the backlog stops growing. */
async function probeOnce(ctx: LabContext, workers: number): Promise<Probe & { arrivalsPerS: number }> {
  const { opts } = ctx;
  const outcome = await withService(ctx, { name: `probe-${workers}`, workers, slots: 0 }, (run) =>
    runLoad(ctx, run, flashSale(ctx, opts.probeMs, `lab-probe-${workers}`)),
  );
  const { startS, endS } = outcome.value;
  const series = fromLoadStart(outcome.series, startS);
  const runS = endS - startS;
  // The second half: past the first payments, when the pool is in its steady state.
  const steady = series.filter((p) => p.t >= runS / 2 && p.t <= runS);
  const first = steady[0];
  const last = steady.at(-1);
  const span = first && last ? last.t - first.t : 0;
  const perS = (value: (p: QueuePoint) => number) =>
    first && last && span > 0 ? (value(last) - value(first)) / span : 0;
  const growth = slope(steady.map((p) => ({ x: p.t, y: backlog(p) })));
  return {
    workers,
    growthPerS: round(growth, 3),
    endBacklog: last ? last.visible : 0,
    processedPerS: round(
      perS((p) => p.completed),
      2,
    ),
    arrivalsPerS: round(
      perS((p) => p.accepted),
      2,
    ),
    keptUp: growth <= GROWTH_TOLERANCE * FLASH_SALE_RATE,
  };
}

async function probe(ctx: LabContext, workers: number): Promise<Probe> {
  let result = await probeOnce(ctx, workers);
  for (let retry = 0; retry < 2 && result.arrivalsPerS < FLASH_SALE_RATE * (1 - FEED_TOLERANCE); retry++) {
    ctx.log(`  probe ${workers} workers: the feed reached only ${result.arrivalsPerS}/s; running it again`);
    result = await probeOnce(ctx, workers);
  }
  const { arrivalsPerS: _arrivals, ...kept } = result;
  return kept;
}

/** Brackets the theory (60 × 3 s = 180) and bisects until the bracket is `searchResolution` wide. */
export async function minWorkersPhase(ctx: LabContext): Promise<PhaseRun> {
  const { opts } = ctx;
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const latencyS = opts.paymentLatencyMs / 1000;
  const theory = workersNeeded(latencyS);
  const probes: Probe[] = [];
  const run = async (n: number) => {
    const result = await probe(ctx, n);
    probes.push(result);
    ctx.log(
      `  probe ${n} workers: queue ${result.keptUp ? 'bounded' : 'growing'} (${result.growthPerS >= 0 ? '+' : ''}${result.growthPerS}/s), ${result.processedPerS} processed/s`,
    );
    return result.keptUp;
  };
  const step = Math.max(opts.searchResolution, Math.round(theory * 0.1));
  let lo: number;
  let hi: number;
  if (await run(theory)) {
    hi = theory;
    lo = Math.max(1, theory - step);
    while (lo > 1 && (await run(lo))) {
      hi = lo;
      lo = Math.max(1, lo - step);
    }
  } else {
    lo = theory;
    hi = theory + step;
    while (!(await run(hi))) {
      lo = hi;
      hi += step;
    }
  }
  while (hi - lo > opts.searchResolution) {
    const mid = Math.round((lo + hi) / 2);
    if (await run(mid)) hi = mid;
    else lo = mid;
  }
  const figures: Figure[] = [
    {
      name: 'fewest workers that keep up with 60 orders/s',
      unit: 'workers',
      measured: hi,
      theory,
      basis: '60 orders/s × 3 s',
      verdict: within(hi, theory, 0.1) ? 'ok' : 'off',
      note: `the queue grows with ${lo} workers; resolution ${opts.searchResolution}`,
    },
    { name: 'probes run', unit: '', measured: probes.length, theory: null },
  ];
  const phase: PhaseResult = {
    id: 'min-workers',
    group: 'min-workers',
    title: 'Fewest workers for 60 orders/s',
    setup: `probes of ${opts.probeMs / 1000} s at ${FLASH_SALE_RATE} orders/s, payment slots unlimited; a probe keeps up when its backlog (waiting + being paid) grows by at most ${GROWTH_TOLERANCE * 100} % of the demand per second over its second half`,
    startedAt,
    wallMs: Math.round(performance.now() - started),
    figures,
    series: [],
    probes: probes.sort((a, b) => a.workers - b.workers),
    notes: [],
    files: [],
  };
  return { phase };
}
