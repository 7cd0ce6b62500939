/**
 * The results document of one load-test run: what `flashsale loadtest` saves as
 * JSON, what `runLoadTest` resolves to, and what `flashsale report` reads.
 *
 * Every figure is the raw wall-clock measurement. `config.timeScale` and
 * `config.latencyClock` say how to convert to the study's units; `studyFactors`
 * does it (see the README's time-scale rule).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type ExactFigures, LatencyHistogram, type PercentileTable } from './histogram.js';
import { UsageError } from './parse.js';
import type { PayloadKind } from './payload.js';
import type { SelloutFigures } from './sellout.js';

export const RESULTS_SCHEMA = 'flashsale.loadtest/v1';

/**
 * Whether a run's response times stand for simulated time (they are dominated by
 * scaled waits, e.g. the synchronous checkout's payment) or for wall time (the
 * asynchronous acceptance contains no simulated wait and is never rescaled).
 */
export type LatencyClock = 'simulated' | 'wall';
export type ErrorKind = 'timeout' | 'http' | 'connection';
export type LoadMode = 'closed' | 'open';

export interface LoadTestConfig {
  /** Scenario the run started from (`normal`, `flash`, `flash-60`) or `custom`. */
  scenario: string;
  /** Name of the run, used for file names and report headings. */
  label: string;
  /** The target as given to --host: one base URL, or several joined by commas. */
  host: string;
  /** Every target; requests go to them in turn (round robin). Absent in results written before 0.2. */
  hosts?: string[];
  /** `sync`, `async` or the path given to --endpoint. */
  endpoint: string;
  path: string;
  method: string;
  payload: PayloadKind;
  /** The product of a `sellout` payload. */
  sku?: string;
  mode: LoadMode;
  /** Closed loop: number of virtual users, users started per simulated second, pause range (simulated ms). */
  users?: number;
  spawnRate?: number;
  waitMs?: [number, number];
  /** Open loop: intended requests per simulated second. */
  rate?: number;
  /** Simulated durations (ms); the wall-clock duration is × timeScale. */
  runTimeMs: number;
  timeoutMs: number;
  stopTimeoutMs: number;
  timeScale: number;
  timeScaleSource: 'flag' | 'server' | 'default';
  latencyClock: LatencyClock;
  seed: number;
  /** Most TCP connections the client opens; null = one per in-flight request. */
  connections: number | null;
}

/** One row of Locust's statistics: a request type, or the aggregate. Times in ms, rates per wall second. */
export interface StatsFigures {
  method: string;
  name: string;
  requests: number;
  failures: number;
  successes: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  medianMs: number;
  avgContentSize: number;
  rps: number;
  successesPerSec: number;
  failuresPerSec: number;
  percentiles: PercentileTable;
}

/** One bucket of the per-second series: requests completed in [t, t+1) simulated seconds. */
export interface SeriesPoint {
  /** Start of the bucket, simulated seconds since the run started. */
  t: number;
  /** End of the bucket, wall ms since the run started. */
  wallMs: number;
  users: number;
  requests: number;
  successes: number;
  failures: number;
  avgMs: number;
  /** Percentiles of the requests completed in this bucket (exact). */
  percentiles: PercentileTable;
  /** Cumulative figures at the end of the bucket, as Locust's history rows carry. */
  totalRequests: number;
  totalFailures: number;
  totalAvgMs: number;
  totalMinMs: number;
  totalMaxMs: number;
  totalMedianMs: number;
}

export interface ErrorEntry {
  kind: ErrorKind;
  method: string;
  name: string;
  error: string;
  status?: number;
  occurrences: number;
}

/** A reading of a flashsale server's /stats. Absent fields were not in the server's answer. */
export interface ServerSample {
  /** Simulated seconds since the run started. */
  t: number;
  wallMs: number;
  queueVisible?: number;
  queueInFlight?: number;
  deadLetters?: number;
  workers?: number;
  workersBusy?: number;
  processed?: number;
  paymentsInFlight?: number;
  paymentsWaiting?: number;
  orders?: Record<string, number>;
}

/** Facts about the server read from /stats at the start of the run. */
export interface ServerInfo {
  timeScale?: number;
  /** Simulated ms of one payment. */
  paymentLatencyMs?: number;
  paymentSlots?: number;
  workers?: number;
}

/** Acceptance-to-payment times of tracked async orders (server timestamps, wall ms). */
export interface EndToEnd {
  tracked: number;
  completed: number;
  failed: number;
  /** Still pending or processing when tracking ended. */
  unfinished: number;
  minMs: number;
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Requests recorded per target, when the run spread them over several. */
export interface TargetFigures {
  host: string;
  requests: number;
  failures: number;
}

/** Units a threshold is judged in: response times in ms, a share of requests (0–1), a rate per second, a count. */
export type ThresholdUnit = 'ms' | 'share' | 'per-second' | 'count';
export type ThresholdOperator = '<' | '<=' | '>' | '>=' | '==';

/** A pass/fail criterion on the run's figures, e.g. `p95<100ms` (see thresholds.ts). */
export interface Threshold {
  /** As written on the command line. */
  expression: string;
  /** Canonical metric: p95, p99.9, avg, min, max, med, failures, failed, requests, rps, successes/s, failures/s. */
  metric: string;
  op: ThresholdOperator;
  /** In `unit`: 100 for 100ms, 0.01 for 1%. */
  limit: number;
  unit: ThresholdUnit;
}

export interface ThresholdResult extends Threshold {
  /** The run's figure in study units (`unit`), or null when no request was measured. */
  measured: number | null;
  passed: boolean;
}

export interface EncodedHistogram {
  encoding: 'hdr-compressed-base64';
  unit: 'us';
  data: string;
  exact: ExactFigures;
}

/** One request, when `recordRequests` is on. Offsets are wall ms since the run started. */
export interface RequestRecord {
  intendedMs: number;
  sentMs: number;
  latencyMs: number;
  ok: boolean;
  status?: number;
  kind?: ErrorKind;
}

export interface LoadTestResult {
  schema: typeof RESULTS_SCHEMA;
  tool: { name: 'flashsale'; version: string };
  config: LoadTestConfig;
  startedAt: string;
  endedAt: string;
  /** Wall ms during which load was generated (the run time as it actually elapsed). */
  durationMs: number;
  summary: StatsFigures;
  /** Response times of successful requests only. */
  successLatency: { count: number; minMs: number; avgMs: number; medianMs: number; p95Ms: number; maxMs: number };
  statusCodes: Record<string, number>;
  errors: ErrorEntry[];
  errorsByKind: Record<ErrorKind, number>;
  /** In-flight requests abandoned when the run stopped (not counted, as in Locust). */
  cancelledAtStop: number;
  /** Things the reader of the figures should know (scale mismatch, abandoned requests, …). */
  notes: string[];
  histogram: EncodedHistogram;
  successHistogram: EncodedHistogram;
  series: SeriesPoint[];
  server?: { info: ServerInfo; samples: ServerSample[] };
  endToEnd?: EndToEnd;
  /** Per target, when requests were spread over several hosts. */
  targets?: TargetFigures[];
  /** A `sellout` run: accepted, sold out, other 409s, time to sell out, the sold-out answers' response times. */
  sellout?: SelloutFigures;
  /** The --threshold criteria and whether the run met each. */
  thresholds?: ThresholdResult[];
  requests?: RequestRecord[];
}

export function encodeHistogram(histogram: LatencyHistogram): EncodedHistogram {
  return { encoding: 'hdr-compressed-base64', unit: 'us', data: histogram.encode(), exact: histogram.exact() };
}

export function decodeHistogram(encoded: EncodedHistogram): LatencyHistogram {
  return LatencyHistogram.decode(encoded.data, encoded.exact);
}

/**
 * Multipliers from raw figures to the study's units: latencies of a
 * simulated-time run ÷ scale (wall-time latencies unchanged), rates per
 * simulated second (× scale), elapsed times ÷ scale.
 */
export interface StudyFactors {
  latency: number;
  rate: number;
  time: number;
}

export function studyFactors(config: Pick<LoadTestConfig, 'timeScale' | 'latencyClock'>): StudyFactors {
  const scale = config.timeScale;
  return { latency: config.latencyClock === 'simulated' ? 1 / scale : 1, rate: scale, time: 1 / scale };
}

/** The latency clock an endpoint's response times follow, unless told otherwise. */
export function defaultLatencyClock(path: string): LatencyClock {
  return /\/sync\b/.test(path) ? 'simulated' : 'wall';
}

export async function writeResultsJson(result: LoadTestResult, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** Reads a results JSON file, checking that it is one. */
export async function readResultsJson(file: string): Promise<LoadTestResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: Partial<LoadTestResult>;
  try {
    value = JSON.parse(text) as Partial<LoadTestResult>;
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
  if (value.schema !== RESULTS_SCHEMA) {
    throw new UsageError(`${file} is not a flashsale loadtest result (expected schema "${RESULTS_SCHEMA}")`);
  }
  return value as LoadTestResult;
}
