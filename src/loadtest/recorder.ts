/**
 * Collects every completed request of a run: the whole-run histograms, status
 * codes, errors by kind, and the per-second series (one bucket per simulated
 * second, by completion time, as Locust counts requests per second).
 */
import { VERSION } from '../version.js';
import { LatencyHistogram, sortedPercentiles } from './histogram.js';
import {
  type ErrorEntry,
  type ErrorKind,
  encodeHistogram,
  type LoadTestConfig,
  type LoadTestResult,
  RESULTS_SCHEMA,
  type RequestRecord,
  type SeriesPoint,
  type StatsFigures,
} from './results.js';

/** One finished request as the drivers report it. Offsets are wall ms since the run started. */
export interface Completion {
  latencyMs: number;
  ok: boolean;
  status?: number;
  kind?: ErrorKind;
  /** Human-readable error, for the failures table. */
  error?: string;
  bytes: number;
  intendedMs: number;
  sentMs: number;
  endMs: number;
}

/** A growable list of doubles, reused between buckets to avoid garbage. */
class Samples {
  private data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.data.subarray(0, this.length).sort();
  }
  clear(): void {
    this.length = 0;
  }
}

/** What the live progress line shows: the last second(s) of the series. */
export interface WindowFigures {
  requests: number;
  failures: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
}

export interface RecorderOptions {
  method: string;
  name: string;
  /** Wall ms of one series bucket (one simulated second). */
  bucketMs: number;
  /** Current number of active users (for the series). */
  users: () => number;
  /** Keep one record per request (for tests and deep analysis). */
  recordRequests?: boolean;
}

export class StatsRecorder {
  readonly all = new LatencyHistogram();
  /** Failures only: successes are all minus failures (one histogram update per success on the hot path). */
  private readonly failed = new LatencyHistogram();
  private okCount = 0;
  private okSumMs = 0;
  private okMinMs = Number.POSITIVE_INFINITY;
  private okMaxMs = 0;
  failures = 0;
  bytes = 0;
  readonly statusCodes: Record<string, number> = {};
  readonly errorsByKind: Record<ErrorKind, number> = { timeout: 0, http: 0, connection: 0 };
  readonly series: SeriesPoint[] = [];
  readonly requests: RequestRecord[] | undefined;
  private readonly errors = new Map<string, ErrorEntry>();

  private bucket = 0;
  private readonly bucketSamples = new Samples();
  private bucketFailures = 0;
  private bucketSum = 0;

  /** First series point not yet shown by `window()`. */
  private windowFrom = 0;

  constructor(private readonly options: RecorderOptions) {
    this.requests = options.recordRequests ? [] : undefined;
  }

  get count(): number {
    return this.all.count;
  }

  record(c: Completion): void {
    this.advance(c.endMs);
    this.all.record(c.latencyMs);
    this.bytes += c.bytes;
    if (c.status !== undefined) this.statusCodes[c.status] = (this.statusCodes[c.status] ?? 0) + 1;
    if (c.ok) {
      this.okCount++;
      this.okSumMs += c.latencyMs;
      if (c.latencyMs < this.okMinMs) this.okMinMs = c.latencyMs;
      if (c.latencyMs > this.okMaxMs) this.okMaxMs = c.latencyMs;
    } else {
      this.failed.record(c.latencyMs);
      this.failures++;
      this.bucketFailures++;
      this.recordError(c);
    }
    this.bucketSamples.push(c.latencyMs);
    this.bucketSum += c.latencyMs;
    this.requests?.push({
      intendedMs: c.intendedMs,
      sentMs: c.sentMs,
      latencyMs: c.latencyMs,
      ok: c.ok,
      ...(c.status !== undefined ? { status: c.status } : {}),
      ...(c.kind ? { kind: c.kind } : {}),
    });
  }

  private recordError(c: Completion): void {
    const kind = c.kind ?? 'http';
    this.errorsByKind[kind]++;
    const error = c.error ?? kind;
    const key = `${kind}|${error}`;
    const entry = this.errors.get(key);
    if (entry) entry.occurrences++;
    else {
      this.errors.set(key, {
        kind,
        method: this.options.method,
        name: this.options.name,
        error,
        ...(c.status !== undefined ? { status: c.status } : {}),
        occurrences: 1,
      });
    }
  }

  /** Closes every series bucket that ended at or before `nowMs`. */
  advance(nowMs: number): void {
    const index = Math.floor(nowMs / this.options.bucketMs);
    while (this.bucket < index) this.closeBucket();
  }

  /** Closes the buckets up to `endMs`, and a last partial one if anything completed in it. */
  finish(endMs: number): void {
    this.advance(endMs);
    if (this.bucketSamples.length > 0) this.closeBucket();
  }

  private closeBucket(): void {
    const sorted = this.bucketSamples.sorted();
    const n = sorted.length;
    this.series.push({
      t: this.bucket,
      wallMs: (this.bucket + 1) * this.options.bucketMs,
      users: this.options.users(),
      requests: n,
      successes: n - this.bucketFailures,
      failures: this.bucketFailures,
      avgMs: n ? this.bucketSum / n : 0,
      percentiles: sortedPercentiles(sorted),
      totalRequests: this.all.count,
      totalFailures: this.failures,
      totalAvgMs: this.all.meanMs,
      totalMinMs: this.all.exact().minMs,
      totalMaxMs: this.all.maxMs,
      totalMedianMs: this.all.percentile(50),
    });
    this.bucket++;
    this.bucketSamples.clear();
    this.bucketFailures = 0;
    this.bucketSum = 0;
  }

  /** Response times of successful requests: the whole-run histogram minus the failures'. */
  get ok(): LatencyHistogram {
    return LatencyHistogram.difference(this.all, this.failed, {
      count: this.okCount,
      sumMs: this.okSumMs,
      minMs: this.okCount ? this.okMinMs : 0,
      maxMs: this.okMaxMs,
    });
  }

  /**
   * For the live progress line: the series buckets closed since the previous call
   * (or the last one). Percentiles over several buckets are request-weighted means
   * of theirs — good enough to watch, not a statistic.
   */
  window(): WindowFigures {
    const fresh = this.series.slice(this.windowFrom);
    const points = fresh.length > 0 ? fresh : this.series.slice(-1);
    this.windowFrom = this.series.length;
    const requests = points.reduce((sum, p) => sum + p.requests, 0);
    const weighted = (key: '50' | '95') =>
      requests ? points.reduce((sum, p) => sum + p.percentiles[key] * p.requests, 0) / requests : 0;
    return {
      requests,
      failures: points.reduce((sum, p) => sum + p.failures, 0),
      rps: points.length ? (requests * 1000) / (points.length * this.options.bucketMs) : 0,
      p50Ms: weighted('50'),
      p95Ms: weighted('95'),
    };
  }

  errorList(): ErrorEntry[] {
    return [...this.errors.values()].sort((a, b) => b.occurrences - a.occurrences);
  }

  /** Locust's statistics row; rates are per wall second over `durationMs`. */
  figures(durationMs: number): StatsFigures {
    const seconds = Math.max(durationMs, 1) / 1000;
    const requests = this.all.count;
    return {
      method: this.options.method,
      name: this.options.name,
      requests,
      failures: this.failures,
      successes: requests - this.failures,
      avgMs: this.all.meanMs,
      minMs: this.all.exact().minMs,
      maxMs: this.all.maxMs,
      medianMs: this.all.percentile(50),
      avgContentSize: requests ? this.bytes / requests : 0,
      rps: requests / seconds,
      successesPerSec: (requests - this.failures) / seconds,
      failuresPerSec: this.failures / seconds,
      percentiles: this.all.percentiles(),
    };
  }
}

/** What a results document needs besides the recorder's figures. */
export interface ResultParts {
  config: LoadTestConfig;
  startedAt: Date;
  endedAt: Date;
  /** Wall ms during which load was generated. */
  durationMs: number;
  cancelledAtStop: number;
  notes: string[];
  server?: LoadTestResult['server'];
  endToEnd?: LoadTestResult['endToEnd'];
}

/** The results document of a finished run. */
export function assembleResult(recorder: StatsRecorder, parts: ResultParts): LoadTestResult {
  const ok = recorder.ok;
  const result: LoadTestResult = {
    schema: RESULTS_SCHEMA,
    tool: { name: 'flashsale', version: VERSION },
    config: parts.config,
    startedAt: parts.startedAt.toISOString(),
    endedAt: parts.endedAt.toISOString(),
    durationMs: parts.durationMs,
    summary: recorder.figures(parts.durationMs),
    successLatency: {
      count: ok.count,
      minMs: ok.exact().minMs,
      avgMs: ok.meanMs,
      medianMs: ok.percentile(50),
      p95Ms: ok.percentile(95),
      maxMs: ok.maxMs,
    },
    statusCodes: recorder.statusCodes,
    errors: recorder.errorList(),
    errorsByKind: recorder.errorsByKind,
    cancelledAtStop: parts.cancelledAtStop,
    histogram: encodeHistogram(recorder.all),
    successHistogram: encodeHistogram(ok),
    series: recorder.series,
    notes: parts.notes,
  };
  if (parts.server) result.server = parts.server;
  if (parts.endToEnd) result.endToEnd = parts.endToEnd;
  if (recorder.requests) result.requests = recorder.requests;
  return result;
}
