/**
 * `flashsale loadtest --json`: the run's summary as one JSON document for
 * stdout — the terminal summary's figures, raw and in study units, the
 * thresholds, the outcome (exit code and why) and the files written. The full
 * results document (histograms, series, /stats samples) stays in the results file.
 */
import type { RunOutcome } from './outcome.js';
import { type LoadTestResult, type ServerSample, studyFactors } from './results.js';

export const SUMMARY_SCHEMA = 'flashsale.loadtest.summary/v1';

/** The key figures in the study's units (the README's time-scale rule); equal to the raw ones at scale 1. */
export interface StudyUnits {
  timeScale: number;
  latencyClock: LoadTestResult['config']['latencyClock'];
  avgMs: number;
  minMs: number;
  medianMs: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  rps: number;
  successesPerSec: number;
  failuresPerSec: number;
  durationMs: number;
}

export interface LoadTestSummaryJson {
  schema: typeof SUMMARY_SCHEMA;
  tool: LoadTestResult['tool'];
  config: LoadTestResult['config'];
  startedAt: string;
  endedAt: string;
  /** Raw figures (wall clock), as in the results file. */
  durationMs: number;
  summary: LoadTestResult['summary'];
  successLatency: LoadTestResult['successLatency'];
  statusCodes: LoadTestResult['statusCodes'];
  errorsByKind: LoadTestResult['errorsByKind'];
  errors: LoadTestResult['errors'];
  cancelledAtStop: number;
  study: StudyUnits;
  targets?: LoadTestResult['targets'];
  server?: { info: NonNullable<LoadTestResult['server']>['info']; readings: number; last?: ServerSample };
  endToEnd?: LoadTestResult['endToEnd'];
  /** A sellout run: accepted, sold out, other 409s by error, time to sell out, the 409 response times. */
  sellout?: LoadTestResult['sellout'];
  thresholds?: LoadTestResult['thresholds'];
  notes: string[];
  /** Result files written (empty with --no-save). */
  files: string[];
  outcome: RunOutcome;
}

export function studyUnits(result: LoadTestResult): StudyUnits {
  const { config, summary: s } = result;
  const f = studyFactors(config);
  return {
    timeScale: config.timeScale,
    latencyClock: config.latencyClock,
    avgMs: s.avgMs * f.latency,
    minMs: s.minMs * f.latency,
    medianMs: s.medianMs * f.latency,
    p95Ms: s.percentiles['95'] * f.latency,
    p99Ms: s.percentiles['99'] * f.latency,
    maxMs: s.maxMs * f.latency,
    rps: s.rps * f.rate,
    successesPerSec: s.successesPerSec * f.rate,
    failuresPerSec: s.failuresPerSec * f.rate,
    durationMs: result.durationMs * f.time,
  };
}

export function summaryJson(result: LoadTestResult, files: string[], outcome: RunOutcome): LoadTestSummaryJson {
  const json: LoadTestSummaryJson = {
    schema: SUMMARY_SCHEMA,
    tool: result.tool,
    config: result.config,
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    durationMs: result.durationMs,
    summary: result.summary,
    successLatency: result.successLatency,
    statusCodes: result.statusCodes,
    errorsByKind: result.errorsByKind,
    errors: result.errors,
    cancelledAtStop: result.cancelledAtStop,
    study: studyUnits(result),
    notes: result.notes,
    files,
    outcome,
  };
  if (result.targets) json.targets = result.targets;
  if (result.server) {
    const last = result.server.samples.at(-1);
    json.server = { info: result.server.info, readings: result.server.samples.length, ...(last ? { last } : {}) };
  }
  if (result.endToEnd) json.endToEnd = result.endToEnd;
  if (result.sellout) json.sellout = result.sellout;
  if (result.thresholds) json.thresholds = result.thresholds;
  return json;
}
