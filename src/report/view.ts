/**
 * A run's figures as the report shows them: in the study's units (see the
 * README's time-scale rule), with the theoretical capacity it ran against.
 */

import { PERCENTILES, type PercentileTable } from '../loadtest/histogram.js';
import { decodeHistogram, type LoadTestResult, type StudyFactors, studyFactors } from '../loadtest/results.js';
import { niceStep } from './svg.js';

export type EndpointKind = 'sync' | 'async' | 'other';

/** What the report assumes about the payment provider when a run's results do not say. */
export interface CapacityAssumption {
  /** Simulated ms per payment. Default 3000 (the study). */
  paymentLatencyMs: number;
  /** Payments at once; 0 = unlimited. Default 1 (the study). */
  paymentSlots: number;
  /** Processor workers (async); 0 = unlimited. Default 1. */
  workers: number;
}

export const STUDY_CAPACITY: CapacityAssumption = { paymentLatencyMs: 3000, paymentSlots: 1, workers: 1 };

export interface SeriesView {
  t: number;
  users: number;
  rps: number;
  successesPerS: number;
  failuresPerS: number;
  p50Ms: number;
  p95Ms: number;
}

export interface QueueView {
  t: number;
  visible?: number;
  inFlight?: number;
  deadLetters?: number;
  processed?: number;
}

export interface DistributionView {
  /** Bucket lower edges, ms (study units); the last bucket is open-ended. */
  edges: number[];
  successes: number[];
  failures: number[];
}

export interface CapacityView {
  latencyS: number;
  concurrency: number | null;
  /** Where the figures come from: the server's /stats, or the report's assumption. */
  source: 'server' | 'assumed';
  theoreticalPerS: number;
  /** Orders paid per study second during the run (sync: successes; async: payments seen on /stats). */
  measuredPerS: number | undefined;
  measuredWhat: string;
  efficiency: number | undefined;
}

export interface RunView {
  result: LoadTestResult;
  id: string;
  label: string;
  scenario: string;
  kind: EndpointKind;
  path: string;
  factors: StudyFactors;
  scale: number;
  durationS: number;
  requests: number;
  failures: number;
  successes: number;
  successRate: number;
  failureRate: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  medianMs: number;
  percentiles: PercentileTable;
  rps: number;
  successesPerS: number;
  failuresPerS: number;
  /** Successful requests' response times (study units). */
  successMinMs: number;
  series: SeriesView[];
  queue: QueueView[];
  distribution: DistributionView;
  capacity: CapacityView;
  /** Acceptance-to-payment of tracked async orders, study ms. */
  e2e?: { tracked: number; completed: number; p50Ms: number; p95Ms: number; maxMs: number };
}

export function endpointKind(path: string): EndpointKind {
  if (/\/sync\b/.test(path)) return 'sync';
  if (/\/async\b/.test(path)) return 'async';
  return 'other';
}

export function runView(result: LoadTestResult, index: number, assumption: CapacityAssumption): RunView {
  const { config, summary: s } = result;
  const f = studyFactors(config);
  const lat = (ms: number) => ms * f.latency;
  const percentiles = {} as PercentileTable;
  for (const p of PERCENTILES) percentiles[`${p}`] = lat(s.percentiles[`${p}`]);
  const bucketS = 1; // one series bucket is one simulated second
  const series = result.series.map((p) => ({
    t: p.t,
    users: p.users,
    rps: p.requests / bucketS,
    successesPerS: p.successes / bucketS,
    failuresPerS: p.failures / bucketS,
    p50Ms: lat(p.percentiles['50']),
    p95Ms: lat(p.percentiles['95']),
  }));
  const queue = (result.server?.samples ?? []).map((q) => ({
    t: q.t,
    ...(q.queueVisible !== undefined ? { visible: q.queueVisible } : {}),
    ...(q.queueInFlight !== undefined ? { inFlight: q.queueInFlight } : {}),
    ...(q.deadLetters !== undefined ? { deadLetters: q.deadLetters } : {}),
    ...(q.processed !== undefined ? { processed: q.processed } : {}),
  }));
  const kind = endpointKind(config.path);
  const view: RunView = {
    result,
    id: `run-${index + 1}`,
    label: config.label,
    scenario: config.scenario,
    kind,
    path: config.path,
    factors: f,
    scale: config.timeScale,
    durationS: (result.durationMs * f.time) / 1000,
    requests: s.requests,
    failures: s.failures,
    successes: s.successes,
    successRate: s.requests ? s.successes / s.requests : 0,
    failureRate: s.requests ? s.failures / s.requests : 0,
    avgMs: lat(s.avgMs),
    minMs: lat(s.minMs),
    maxMs: lat(s.maxMs),
    medianMs: lat(s.medianMs),
    percentiles,
    rps: s.rps * f.rate,
    successesPerS: s.successesPerSec * f.rate,
    failuresPerS: s.failuresPerSec * f.rate,
    successMinMs: lat(result.successLatency.minMs),
    series,
    queue,
    distribution: distribution(result, f.latency),
    capacity: capacityView(result, kind, queue, s.successesPerSec * f.rate, assumption),
  };
  const e2e = result.endToEnd;
  if (e2e && e2e.completed > 0) {
    view.e2e = {
      tracked: e2e.tracked,
      completed: e2e.completed,
      p50Ms: e2e.p50Ms * f.time,
      p95Ms: e2e.p95Ms * f.time,
      maxMs: e2e.maxMs * f.time,
    };
  }
  return view;
}

/** About a dozen buckets of a round width, from 0 to the slowest response; successes and failures apart. */
function distribution(result: LoadTestResult, factor: number): DistributionView {
  const all = decodeHistogram(result.histogram);
  const ok = decodeHistogram(result.successHistogram);
  const max = all.maxMs * factor;
  const width = niceStep(max / 12 || 1);
  const edges: number[] = [];
  for (let edge = 0; edge <= max; edge += width) edges.push(edge);
  if (edges.length === 0) edges.push(0);
  const rawEdges = edges.map((e) => e / factor);
  const allCounts = all.bucketCounts(rawEdges);
  const okCounts = ok.bucketCounts(rawEdges);
  return { edges, successes: okCounts, failures: allCounts.map((n, i) => n - okCounts[i]!) };
}

function capacityView(
  result: LoadTestResult,
  kind: EndpointKind,
  queue: QueueView[],
  successesPerS: number,
  assumption: CapacityAssumption,
): CapacityView {
  const info = result.server?.info;
  const fromServer = info?.paymentLatencyMs !== undefined;
  const latencyS = (info?.paymentLatencyMs ?? assumption.paymentLatencyMs) / 1000;
  const slots = info?.paymentSlots ?? assumption.paymentSlots;
  const workers = info?.workers ?? assumption.workers;
  const limits = [slots, kind === 'async' ? workers : 0].filter((n) => n > 0);
  const concurrency = limits.length ? Math.min(...limits) : null;
  const theoreticalPerS = concurrency === null ? Number.POSITIVE_INFINITY : concurrency / latencyS;
  let measuredPerS: number | undefined = successesPerS;
  let measuredWhat = 'successful orders';
  if (kind === 'async') {
    const paid = queue.filter((q) => q.processed !== undefined);
    const first = paid[0];
    const last = paid.at(-1);
    measuredPerS =
      first && last && last.t > first.t ? (last.processed! - first.processed!) / (last.t - first.t) : undefined;
    measuredWhat = 'payments seen on /stats';
  }
  const efficiency =
    measuredPerS !== undefined && Number.isFinite(theoreticalPerS) ? measuredPerS / theoreticalPerS : undefined;
  return {
    latencyS,
    concurrency,
    source: fromServer ? 'server' : 'assumed',
    theoreticalPerS,
    measuredPerS,
    measuredWhat,
    efficiency,
  };
}
