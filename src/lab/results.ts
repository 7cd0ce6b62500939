/** The lab's results document: one entry per phase, every figure in study (unscaled) units. */
import type { LoadTestResult } from '../loadtest/index.js';
import type { PhaseId } from './options.js';
import type { QueuePoint } from './stats-sampler.js';
import type { StudyComparison } from './study-figures.js';

export const LAB_SCHEMA = 'flashsale.lab/v1';

/** One row of a phase's table: the measurement beside what theory and the seed say. */
export interface Figure {
  name: string;
  unit: string;
  measured: number | null;
  /** What the study's arithmetic predicts; null when nothing does. */
  theory: number | null;
  /** How theory was computed, e.g. "N ÷ 3 s". */
  basis?: string;
  /** The seed's (or its sister report's) figure, for comparison. */
  seed?: number;
  /** Whether the measurement meets what theory or the target demands. */
  verdict?: 'ok' | 'off';
  /** Extra words, e.g. "projected from the measured rate". */
  note?: string;
}

/** The service process's own resource use during the phase. */
export interface PhaseUsage {
  /** CPU seconds (user + system) the service used; not scaled. */
  cpuS: number;
  /** Share of one core over the phase's wall time. */
  cpuShareOfCore: number;
  /** CPU ms per order accepted during the phase (whatever else it cost); not scaled. */
  cpuMsPerOrder: number | null;
  peakRssMb: number;
  heapUsedMb: number;
}

/** The load generator's figures, converted to study units. */
export interface LoadFigures {
  endpoint: string;
  requests: number;
  failures: number;
  failureShare: number;
  requestsPerS: number;
  successesPerS: number;
  /** `simulated`: response times ÷ time scale; `wall`: as measured (no simulated wait inside). */
  latencyClock: 'simulated' | 'wall';
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errorsByKind: Record<string, number>;
}

/** One run of the minimum-workers search. */
export interface Probe {
  workers: number;
  /** Growth of the waiting messages over the probe's second half, per second. */
  growthPerS: number;
  endBacklog: number;
  processedPerS: number;
  keptUp: boolean;
}

export interface PhaseResult {
  /** e.g. sync-normal, workers-20, min-workers. */
  id: string;
  group: PhaseId;
  title: string;
  /** The service and the load, in words. */
  setup: string;
  startedAt: string;
  wallMs: number;
  figures: Figure[];
  /** /stats readings from the start of the load; `t` in study seconds. */
  series: QueuePoint[];
  /** Study seconds at which the load stopped. */
  loadEndS?: number;
  load?: LoadFigures;
  usage?: PhaseUsage;
  probes?: Probe[];
  /** Worker counts the service ran at, when the autoscaler moved them. */
  skipped?: string;
  /** The study's deployment: the seed's table beside the repeats. */
  study?: StudyComparison;
  notes: string[];
  /** Files written for this phase, relative to the lab folder. */
  files: string[];
}

/** A phase's result and, when it generated load, the load generator's full results. */
export interface PhaseRun {
  phase: PhaseResult;
  loadtest?: LoadTestResult;
}

export interface LabResult {
  schema: typeof LAB_SCHEMA;
  version: string;
  startedAt: string;
  wallMs: number;
  timeScale: number;
  paymentLatencyMs: number;
  /** The conversion rule, in words, as printed in the reports. */
  units: string;
  phases: PhaseResult[];
}

export const UNITS_RULE =
  'Every figure is in study units. Simulated durations (payments, client waits and timeouts) ran ' +
  'scaled, so measured durations are divided by the time scale and measured rates multiplied by it. ' +
  'Response times of the async acceptance contain no simulated wait and are shown as measured; ' +
  'CPU time and memory are shown as measured.';

/** Relative distance of a measurement from theory. */
export function within(measured: number, theory: number, tolerance: number): boolean {
  if (theory === 0) return Math.abs(measured) <= tolerance;
  return Math.abs(measured / theory - 1) <= tolerance;
}
