/**
 * `--deployment study`: the study's own deployment and runs, repeated. N
 * flashsale tasks, each with one payment slot and the study's handler (an
 * abandoned request keeps its place and is paid), behind a round-robin
 * balancer; Locust's users as the seed ran them for 30 s.
 *
 * The balancer is the load generator's `--host` list, not a proxy: the study's
 * load balancer routed each request on its own (HTTP, per request, in turn)
 * and queued nothing itself, so what a task's payment line sees is the same; a
 * proxy would only add a hop of latency and its CPU to the machine.
 */
import { join } from 'node:path';
import { type LoadTestOptions, progressLine, runLoadTest, SCENARIOS, saveResults } from '../loadtest/index.js';
import { type LabContext, round } from './context.js';
import type { Figure, PhaseResult, PhaseRun } from './results.js';
import { ServiceProcess } from './service-process.js';
import { readStats } from './stats-sampler.js';
import {
  compareRows,
  figuresOfLoad,
  figuresOfModel,
  type ModelSummary,
  SEED_FIGURES,
  type StudyComparison,
  type StudyFigures,
  type StudyKind,
  type StudyRepeat,
} from './study-figures.js';
import { type ModelRun, modelRuns, type StudyLoad, type StudyModelParams } from './study-model.js';

/** Both of the seed's runs lasted 30 s (the brief's flash scenario is 60 s; the seed ran 30). */
export const STUDY_RUN_TIME_MS = 30_000;
/** The sister report's request rate, sent at fixed times (open loop). */
export const SISTER_RATE = 20;
/** Modelled runs behind the model column: enough for a mean to two digits, a fraction of a second. */
const MODEL_RUNS = 500;

interface StudySpec {
  id: 'study-normal' | 'study-flash' | 'sister-flash';
  title: string;
  tasks: number;
  load: StudyLoad;
  options: Omit<LoadTestOptions, 'host'>;
  loadText: string;
}

function closedLoad(scenario: 'normal' | 'flash'): StudyLoad {
  const s = SCENARIOS[scenario]!;
  return { kind: 'closed', users: s.users ?? 1, spawnRate: s.spawnRate ?? 1, waitMs: s.waitMs ?? [0, 0] };
}

function specOf(ctx: LabContext, kind: StudyKind): StudySpec {
  const common = { endpoint: 'sync', runTimeMs: STUDY_RUN_TIME_MS } as const;
  const tasks = ctx.opts.studyTasks;
  switch (kind) {
    case 'normal':
      return {
        id: 'study-normal',
        title: 'The study’s normal traffic, two tasks',
        tasks,
        load: closedLoad('normal'),
        options: { ...common, scenario: 'normal' },
        loadText: '5 closed-loop users, spawn 1/s, wait 100–500 ms, timeout 10 s, 30 s',
      };
    case 'flash':
      return {
        id: 'study-flash',
        title: 'The study’s flash sale, two tasks',
        tasks,
        load: closedLoad('flash'),
        options: { ...common, scenario: 'flash' },
        loadText: '20 closed-loop users, spawn 10/s, wait 100–500 ms, timeout 10 s, 30 s',
      };
    case 'sister':
      // The sister report names a rate, not users: a fixed-rate (open) loop keeps it whatever the server does,
      // where ~200 closed-loop users would be needed to send 20/s while every answer takes the 10 s timeout.
      return {
        id: 'sister-flash',
        title: 'The sister report’s flash sale, one task',
        tasks: 1,
        load: { kind: 'open', ratePerS: SISTER_RATE },
        options: { ...common, scenario: 'flash-60', rate: SISTER_RATE },
        loadText: `${SISTER_RATE} requests/s at fixed times (open loop), timeout 10 s, 30 s`,
      };
  }
}

/** Starts the tasks together; if one fails, the others are ended too. */
async function startTasks(ctx: LabContext, name: string, count: number): Promise<ServiceProcess[]> {
  const { opts } = ctx;
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, k) =>
      ServiceProcess.start(
        {
          config: {
            host: '127.0.0.1',
            port: opts.port === 0 ? 0 : opts.port + k,
            dbPath: join(ctx.dataDir, `${name}-task${k + 1}.db`),
            timeScale: opts.timeScale,
            // Synchronous checkout only: no processor, one slot, nothing in front of the line.
            workers: 0,
            payment: { latencyMs: opts.paymentLatencyMs, slots: 1 },
            admission: { enabled: false },
            breaker: { enabled: false },
            holdAbandonedPayments: true,
            logLevel: 'error',
            shutdownGraceMs: 2000,
          },
          warmUpRequests: opts.warmUpRequests,
          dashboardIntervalMs: 1000,
        },
        { logFile: join(ctx.outDir, 'phases', 'service.log') },
      ),
    ),
  );
  const tasks = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(tasks.map((t) => t.kill()));
    throw failed.reason;
  }
  return tasks;
}

/** Requests waiting for or holding a task's payment slot right now. */
async function held(tasks: readonly ServiceProcess[]): Promise<number> {
  const readings = await Promise.all(tasks.map((t) => readStats(t.url)));
  return readings.reduce((sum, stats) => {
    const p = (stats.payments ?? {}) as { in_flight?: number; waiting?: number };
    return sum + (p.in_flight ?? 0) + (p.waiting ?? 0);
  }, 0);
}

function modelOf(ctx: LabContext, spec: StudySpec): Omit<StudyModelParams, 'seed'> {
  return {
    tasks: spec.tasks,
    latencyMs: ctx.opts.paymentLatencyMs,
    timeoutMs: SCENARIOS.normal!.timeoutMs,
    runTimeMs: STUDY_RUN_TIME_MS,
    load: spec.load,
    balancer: 'round-robin',
    holdAbandoned: true,
  };
}

/** One study phase: `repeat` runs on fresh tasks, beside the seed's figures and the model's. */
export async function studyPhase(ctx: LabContext, kind: StudyKind): Promise<PhaseRun> {
  const { opts } = ctx;
  const spec = specOf(ctx, kind);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const runs: StudyFigures[] = [];
  const repeats: StudyRepeat[] = [];
  const files: string[] = [];
  const notes: string[] = [];
  for (let i = 0; i < opts.repeat; i++) {
    const seed = opts.seed + i;
    const name = `${spec.id}-run${i + 1}`;
    const runStarted = performance.now();
    const tasks = await startTasks(ctx, name, spec.tasks);
    ctx.status(`${name}: ${spec.tasks} task(s) ready at ${tasks.map((t) => t.url).join(', ')}`);
    try {
      const result = await runLoadTest(
        {
          ...spec.options,
          host: tasks.map((t) => t.url),
          seed,
          timeScale: opts.timeScale,
          trackOrders: 0,
          sampleServer: false,
          recordRequests: true,
          label: `lab-${name}`,
        },
        { onProgress: (snapshot) => ctx.status(progressLine(snapshot)), progressIntervalMs: 500 },
      );
      const heldAtEnd = await held(tasks);
      const figures = figuresOfLoad(result);
      runs.push(figures);
      repeats.push({
        seed,
        wallMs: Math.round(performance.now() - runStarted),
        perTask: result.targets?.map((t) => t.requests) ?? [result.summary.requests],
        heldAtEnd,
        cancelledAtStop: result.cancelledAtStop,
      });
      for (const note of result.notes) notes.push(`run ${i + 1}: ${note}`);
      await saveResults(result, { dir: join(opts.out, 'phases'), name: `${name}-loadtest`, csvPrefix: null });
      files.push(`phases/${name}-loadtest.json`);
      ctx.log(
        `  run ${i + 1}/${opts.repeat} (seed ${seed}): ${figures.requests} requests, ${figures.failures} failures, ${figures.successes} successful, median ${Math.round(figures.medianMs)} ms; ${heldAtEnd} still in the payment lines`,
      );
    } finally {
      await Promise.all(tasks.map((t) => t.kill()));
    }
  }
  const params = modelOf(ctx, spec);
  const open = spec.load.kind === 'open';
  const model = modelRuns(params, MODEL_RUNS).map((r) => figuresOfModel(r, open, STUDY_RUN_TIME_MS));
  const rows = compareRows(kind, runs, model, params.timeoutMs);
  const study: StudyComparison = { kind, tasks: spec.tasks, modelRuns: MODEL_RUNS, repeats, rows };
  if (kind === 'normal') study.imbalances = imbalances(params);
  const figures: Figure[] = rows.map((row) => ({
    name: row.name,
    unit: row.unit,
    measured: round(row.mean, row.unit === '/s' ? 3 : row.unit === '%' ? 1 : 0),
    theory: round(row.model, row.unit === '/s' ? 3 : row.unit === '%' ? 1 : 0),
    basis: `the model, mean of ${MODEL_RUNS} runs`,
    ...(row.seed === null ? {} : { seed: row.seed }),
    ...(row.goal ? { verdict: row.within ? ('ok' as const) : ('off' as const) } : {}),
    note: `mean of ${runs.length} run(s), ${formatSpread(row)}`,
  }));
  const phase: PhaseResult = {
    id: spec.id,
    group: spec.id,
    title: spec.title,
    setup: `POST /orders/sync to ${spec.tasks === 1 ? 'one flashsale task with' : `${spec.tasks} flashsale tasks in turn (round robin per request), each with`} 1 payment slot of ${opts.paymentLatencyMs / 1000} s, abandoned requests keeping their place (--hold-abandoned-payments), admission control and breaker off; ${spec.loadText}; ${opts.repeat === 1 ? `1 run, seed ${opts.seed}` : `${opts.repeat} runs, seeds ${opts.seed}–${opts.seed + opts.repeat - 1}`}`,
    startedAt,
    wallMs: Math.round(performance.now() - started),
    figures,
    series: [],
    notes,
    files,
    study,
  };
  return { phase };
}

function formatSpread(row: { min: number; max: number; unit: string }): string {
  const digits = row.unit === '/s' ? 3 : row.unit === '%' ? 1 : 0;
  return `runs ${round(row.min, digits)}–${round(row.max, digits)}`;
}

/** Work left in one task's line at the start (two abandoned payments of an earlier run, say), study ms. */
const LEFTOVER_WORK_MS = 6000;

function summarize(runs: readonly ModelRun[]): ModelSummary {
  const seedFailures = SEED_FIGURES.normal.failures ?? 0;
  const avg = (f: (r: ModelRun) => number) => runs.reduce((a, r) => a + f(r), 0) / runs.length;
  return {
    failuresMean: avg((r) => r.failures),
    failuresMax: Math.max(...runs.map((r) => r.failures)),
    successesMean: avg((r) => r.successes),
    successAvgMs: avg((r) => r.successAvgMs),
    medianMs: avg((r) => r.medianMs),
    shareAtSeedFailures: runs.filter((r) => r.failures >= seedFailures).length / runs.length,
  };
}

/** The normal run under two imbalances: a task picked at random per request, and old work in one line. */
function imbalances(params: Omit<StudyModelParams, 'seed'>): StudyComparison['imbalances'] {
  const leftover = modelRuns({ ...params, backlogMs: [LEFTOVER_WORK_MS] }, MODEL_RUNS);
  return {
    randomBalancer: summarize(modelRuns({ ...params, balancer: 'random' }, MODEL_RUNS)),
    leftoverWork: { ...summarize(leftover), backlogMs: LEFTOVER_WORK_MS },
  };
}
