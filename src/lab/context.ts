/** What every phase shares: options, folders, output, and running a service and load against it. */
import { join } from 'node:path';
import {
  type LoadTestOptions,
  type LoadTestResult,
  progressLine,
  runLoadTest,
  studyFactors,
} from '../loadtest/index.js';
import type { ResolvedLabOptions } from './options.js';
import type { LoadFigures, PhaseUsage } from './results.js';
import { ServiceProcess } from './service-process.js';
import { type QueuePoint, StatsSampler } from './stats-sampler.js';

export interface LabContext {
  opts: ResolvedLabOptions;
  /** Scratch folder for the phases' databases. */
  dataDir: string;
  /** Where reports and per-phase files go. */
  outDir: string;
  /** A line that stays (phase start, result). */
  log(line: string): void;
  /** A transient progress line (rewritten in place on a terminal). */
  status(text: string): void;
}

export interface ServiceSetup {
  /** Name of the database file and of the run. */
  name: string;
  workers: number;
  /** Payment slots; 0 = unlimited. */
  slots: number;
  /** Extra service configuration (e.g. the autoscaler's). */
  extra?: Record<string, unknown>;
}

export interface ServiceRun {
  service: ServiceProcess;
  sampler: StatsSampler;
}

export interface ServiceOutcome<T> {
  value: T;
  usage: PhaseUsage;
  wallMs: number;
  series: QueuePoint[];
}

/**
 * Real ms between /stats readings: a quarter of a simulated second, within
 * 50–100 ms. Each reading costs the service about half a millisecond of CPU;
 * finer sampling would show up in the CPU figures it is meant to measure.
 */
export function sampleIntervalMs(timeScale: number): number {
  return Math.min(100, Math.max(50, 250 * timeScale));
}

/** Starts a service process, samples its /stats while `body` runs, measures its CPU and memory, and closes it. */
export async function withService<T>(
  ctx: LabContext,
  setup: ServiceSetup,
  body: (run: ServiceRun) => Promise<T>,
): Promise<ServiceOutcome<T>> {
  const { opts } = ctx;
  const service = await ServiceProcess.start(
    {
      config: {
        host: '127.0.0.1',
        port: opts.port,
        dbPath: join(ctx.dataDir, `${setup.name}.db`),
        timeScale: opts.timeScale,
        workers: setup.workers,
        payment: { latencyMs: opts.paymentLatencyMs, slots: setup.slots },
        logLevel: 'error',
        shutdownGraceMs: 2000,
        ...setup.extra,
      },
      warmUpRequests: opts.warmUpRequests,
      dashboardIntervalMs: 1000,
    },
    { logFile: join(ctx.outDir, 'phases', 'service.log') },
  );
  ctx.status(`${setup.name}: service ready at ${service.url} (live: ${service.url}/dashboard)`);
  try {
    const sampler = new StatsSampler(service.url, {
      timeScale: opts.timeScale,
      intervalMs: sampleIntervalMs(opts.timeScale),
    }).start();
    const before = await service.usage();
    const started = performance.now();
    const value = await body({ service, sampler });
    const wallMs = performance.now() - started;
    const after = await service.usage();
    await sampler.stop();
    const cpuS = (after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs) / 1e6;
    const last = sampler.latest;
    const accepted = last ? last.accepted : 0;
    const usage: PhaseUsage = {
      cpuS: round(cpuS, 3),
      cpuShareOfCore: round(cpuS / (wallMs / 1000), 3),
      cpuMsPerOrder: accepted > 0 ? round((cpuS * 1000) / accepted, 3) : null,
      peakRssMb: round(after.peakRssBytes / 2 ** 20, 1),
      heapUsedMb: round(after.heapUsedBytes / 2 ** 20, 1),
    };
    return { value, usage, wallMs, series: sampler.points };
  } finally {
    await service.close();
  }
}

export interface LoadRun {
  result: LoadTestResult;
  /** Study seconds (on the sampler's clock) at which the load started and stopped. */
  startS: number;
  endS: number;
}

/** Runs the load generator against the phase's service, reporting progress. */
export async function runLoad(
  ctx: LabContext,
  run: ServiceRun,
  options: Omit<LoadTestOptions, 'host'>,
  /** Ends the load early (the results so far are kept). */
  signal?: AbortSignal,
): Promise<LoadRun> {
  let startS = 0;
  const result = await runLoadTest(
    { trackOrders: 0, seed: ctx.opts.seed, timeScale: ctx.opts.timeScale, ...options, host: run.service.url },
    {
      onStart: () => {
        startS = run.sampler.now();
      },
      onProgress: (snapshot) => ctx.status(progressLine(snapshot)),
      progressIntervalMs: 500,
      ...(signal ? { signal } : {}),
    },
  );
  return { result, startS, endS: run.sampler.now() };
}

/** The series from the start of the load, `t` counted from there. */
export function fromLoadStart(series: readonly QueuePoint[], startS: number): QueuePoint[] {
  return series.filter((p) => p.t >= startS).map((p) => ({ ...p, t: round(p.t - startS, 3) }));
}

/** The load generator's summary in study units. */
export function loadFigures(result: LoadTestResult): LoadFigures {
  const f = studyFactors(result.config);
  const s = result.summary;
  const ms = (v: number) => round(v * f.latency, 2);
  return {
    endpoint: result.config.path,
    requests: s.requests,
    failures: s.failures,
    failureShare: s.requests ? round(s.failures / s.requests, 4) : 0,
    requestsPerS: round(s.rps * f.rate, 3),
    successesPerS: round(s.successesPerSec * f.rate, 3),
    latencyClock: result.config.latencyClock,
    avgMs: ms(s.avgMs),
    minMs: ms(s.minMs),
    p50Ms: ms(s.percentiles['50']),
    p95Ms: ms(s.percentiles['95']),
    p99Ms: ms(s.percentiles['99']),
    maxMs: ms(s.maxMs),
    errorsByKind: { ...result.errorsByKind },
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
