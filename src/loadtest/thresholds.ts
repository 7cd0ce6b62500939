/**
 * Pass/fail criteria on a run's figures, in k6's vocabulary where it fits
 * (`p(95)<200`, `avg`, `med`, `min`, `max`): `p95<100ms`, `p(99.9)<=1s`,
 * `failures<1%`, `failed==0`, `rps>50`, `successes/s>=0.3`, `requests>=100`.
 * A CI job fails the build on them (exit code 99, as k6).
 *
 * Judged in study units — the units the load was written in: on a scaled run
 * response times of a simulated-clock run ÷ scale and rates × scale, exactly
 * the figures of the summary's study-units block; at scale 1 the raw figures.
 */
import { formatMs, formatNumber, formatRate } from './format.js';
import { UsageError } from './parse.js';
import {
  decodeHistogram,
  type LoadTestResult,
  studyFactors,
  type Threshold,
  type ThresholdOperator,
  type ThresholdResult,
  type ThresholdUnit,
} from './results.js';

const METRICS_HELP =
  'p50 p90 p95 p99 p99.9 or p(N), avg, min, max, med, failures, failed, requests, rps, successes/s, failures/s';

/** The metrics other than percentiles, by every name they are accepted under. */
const NAMED: Record<string, { metric: string; unit: ThresholdUnit }> = {
  avg: { metric: 'avg', unit: 'ms' },
  min: { metric: 'min', unit: 'ms' },
  max: { metric: 'max', unit: 'ms' },
  med: { metric: 'med', unit: 'ms' },
  median: { metric: 'med', unit: 'ms' },
  failures: { metric: 'failures', unit: 'share' },
  failed: { metric: 'failed', unit: 'count' },
  requests: { metric: 'requests', unit: 'count' },
  rps: { metric: 'rps', unit: 'per-second' },
  'req/s': { metric: 'rps', unit: 'per-second' },
  'successes/s': { metric: 'successes/s', unit: 'per-second' },
  'failures/s': { metric: 'failures/s', unit: 'per-second' },
};

const NUMBER = '(\\d+(?:\\.\\d+)?|\\.\\d+)';
const LIMIT_FORMS: Record<ThresholdUnit, { pattern: RegExp; examples: string }> = {
  ms: { pattern: new RegExp(`^${NUMBER}(ms|s)?$`), examples: '100, 100ms, 1.5s' },
  share: { pattern: new RegExp(`^${NUMBER}(%)?$`), examples: '1%, 0.01, 0' },
  'per-second': { pattern: new RegExp(`^${NUMBER}(/s)?$`), examples: '50, 50/s' },
  count: { pattern: /^(\d+)()$/, examples: '0, 100' },
};

/** Parses one `--threshold` expression; a UsageError names it and says what would be valid. */
export function parseThreshold(expression: string): Threshold {
  const fail = (why: string) => new UsageError(`--threshold "${expression}": ${why}`);
  const match = expression
    .trim()
    .toLowerCase()
    .match(/^(.+?)\s*(<=|>=|===?|<|>)\s*(.+)$/);
  if (!match) throw fail('expected METRIC OPERATOR VALUE, e.g. p95<100ms, failures<1%, rps>50');
  const [, name, operator, value] = match as unknown as [string, string, string, string];
  const op = (operator === '===' ? '==' : operator) as ThresholdOperator;
  const { metric, unit } = metricOf(name) ?? {};
  if (!metric || !unit) throw fail(`unknown metric "${name}" (use ${METRICS_HELP})`);
  const form = LIMIT_FORMS[unit];
  const limitMatch = value.match(form.pattern);
  if (!limitMatch) throw fail(`cannot read the limit "${value}" for ${metric} (examples: ${form.examples})`);
  let limit = Number(limitMatch[1]);
  if (unit === 'ms' && limitMatch[2] === 's') limit *= 1000;
  if (unit === 'share') {
    if (limitMatch[2] === '%') limit /= 100;
    else if (limit > 1)
      throw fail(`failures is a share of requests: write ${limit}% or ${limit / 100}; count them with failed`);
    if (limit > 1) throw fail('a share cannot exceed 100%');
  }
  return { expression: expression.trim(), metric, op, limit, unit };
}

function metricOf(name: string): { metric: string; unit: ThresholdUnit } | undefined {
  const named = NAMED[name];
  if (named) return named;
  const percentile = name.match(/^p\(?(\d+(?:\.\d+)?)\)?$/);
  if (!percentile || name.includes('(') !== name.includes(')')) return undefined;
  const p = Number(percentile[1]);
  if (!(p > 0 && p <= 100)) return undefined;
  return { metric: `p${p}`, unit: 'ms' };
}

/** Parses every expression; the first bad one is the UsageError. */
export function parseThresholds(expressions: readonly string[]): Threshold[] {
  return expressions.map(parseThreshold);
}

/** Judges each threshold on the run's figures (study units). */
export function evaluateThresholds(thresholds: readonly Threshold[], result: LoadTestResult): ThresholdResult[] {
  const f = studyFactors(result.config);
  const s = result.summary;
  let histogram: ReturnType<typeof decodeHistogram> | undefined;
  const measure = (metric: string): number | null => {
    if (metric === 'failed') return s.failures;
    if (metric === 'requests') return s.requests;
    if (metric === 'rps') return s.rps * f.rate;
    if (metric === 'successes/s') return s.successesPerSec * f.rate;
    if (metric === 'failures/s') return s.failuresPerSec * f.rate;
    // A share or a response time of no request at all is no evidence of anything: the threshold fails.
    if (s.requests === 0) return null;
    if (metric === 'failures') return s.failures / s.requests;
    if (metric === 'avg') return s.avgMs * f.latency;
    if (metric === 'min') return s.minMs * f.latency;
    if (metric === 'max') return s.maxMs * f.latency;
    histogram ??= decodeHistogram(result.histogram);
    const p = metric === 'med' ? 50 : Number(metric.slice(1));
    return histogram.percentile(p) * f.latency;
  };
  return thresholds.map((t) => {
    const measured = measure(t.metric);
    return { ...t, measured, passed: measured !== null && compare(measured, t.op, t.limit) };
  });
}

function compare(value: number, op: ThresholdOperator, limit: number): boolean {
  switch (op) {
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '==':
      return value === limit;
  }
}

/** A figure in its threshold's unit, for people: 42.1 ms, 1.20 %, 31.5/s, 7. */
export function formatThresholdValue(value: number | null, unit: ThresholdUnit): string {
  if (value === null) return 'no requests measured';
  if (unit === 'ms') return `${formatMs(value)} ms`;
  if (unit === 'share') return `${formatNumber(value * 100, 2)} %`;
  if (unit === 'per-second') return `${formatRate(value)}/s`;
  return formatNumber(value);
}

/** The terminal block: ✓ or ✗ for each threshold with the measured figure. */
export function thresholdLines(result: LoadTestResult): string[] {
  const thresholds = result.thresholds ?? [];
  if (thresholds.length === 0) return [];
  const { timeScale } = result.config;
  const crossed = thresholds.filter((t) => !t.passed).length;
  const width = Math.max(...thresholds.map((t) => t.expression.length));
  return [
    `Thresholds (${timeScale === 1 ? 'as measured' : `study units, time scale ${timeScale}`}): ${crossed === 0 ? 'all met' : `${crossed} of ${thresholds.length} crossed`}`,
    ...thresholds.map(
      (t) =>
        `  ${t.passed ? '✓' : '✗'} ${t.expression.padEnd(width)}  ${t.metric} = ${formatThresholdValue(t.measured, t.unit)}`,
    ),
  ];
}
