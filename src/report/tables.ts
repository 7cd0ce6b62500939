/** The report's tables, from run views (study units). */
import { formatMs, formatNumber, formatPercent, formatPrecise, formatRate } from '../loadtest/format.js';
import { PERCENTILES } from '../loadtest/histogram.js';
import { type BusinessAssumptions, businessImpact, formatMoney } from './business.js';
import type { Table } from './document.js';
import type { RunView } from './view.js';

export function summaryTable(runs: RunView[]): Table {
  return {
    header: [
      'run',
      'endpoint',
      'requests',
      'failures',
      'avg ms',
      'min ms',
      'max ms',
      'median ms',
      'req/s',
      'successes/s',
      'failures/s',
    ],
    left: [0, 1],
    rows: runs.map((r) => [
      r.label,
      `\`${r.result.config.method} ${r.path}\``,
      formatNumber(r.requests),
      `${formatNumber(r.failures)} (${formatPercent(r.failureRate)})`,
      formatMs(r.avgMs),
      formatMs(r.minMs),
      formatMs(r.maxMs),
      formatMs(r.medianMs),
      formatRate(r.rps),
      formatRate(r.successesPerS),
      formatRate(r.failuresPerS),
    ]),
  };
}

export function percentileTable(runs: RunView[]): Table {
  return {
    header: ['run', ...PERCENTILES.map((p) => `${p}%`)],
    rows: runs.map((r) => [r.label, ...PERCENTILES.map((p) => formatMs(r.percentiles[`${p}`]))]),
  };
}

export function errorTable(run: RunView): Table {
  return {
    header: ['kind', 'error', 'occurrences', 'share of requests'],
    left: [0, 1],
    rows: run.result.errors.map((e) => [
      e.kind === 'http' ? 'HTTP status' : e.kind === 'timeout' ? 'timeout' : 'connection error',
      e.error,
      formatNumber(e.occurrences),
      formatPercent(run.requests ? e.occurrences / run.requests : 0),
    ]),
  };
}

export function configTable(run: RunView): Table {
  const c = run.result.config;
  const load =
    c.mode === 'closed'
      ? `closed loop: ${c.users} users, spawn ${formatPrecise(c.spawnRate!)}/s, wait ${formatPrecise(c.waitMs![0])}–${formatPrecise(c.waitMs![1])} ms`
      : `open loop: ${formatPrecise(c.rate!)} requests/s at fixed times`;
  const rows = [
    ['scenario', c.scenario],
    ['endpoint', `\`${c.method} ${c.path}\` on ${c.host}`],
    ['load', load],
    ['run time', `${formatPrecise(c.runTimeMs / 1000)} s (measured ${formatPrecise(run.durationS)} s)`],
    ['client timeout', `${formatPrecise(c.timeoutMs / 1000)} s`],
    [
      'time scale',
      c.timeScale === 1
        ? '1 (real time)'
        : `${c.timeScale} (${c.timeScaleSource === 'server' ? "from the server's /stats" : 'flag'}); response times are ${c.latencyClock === 'simulated' ? `simulated time, shown ÷ ${c.timeScale}` : 'wall time, shown as measured'}`,
    ],
    ['started', c.seed !== undefined ? `${run.result.startedAt} (seed ${c.seed})` : run.result.startedAt],
  ];
  return { header: ['setting', 'value'], left: [0, 1], rows };
}

export function capacityTable(runs: RunView[]): Table {
  return {
    header: ['run', 'payments at once', 'payment time', 'theoretical', 'measured', 'efficiency'],
    left: [0],
    rows: runs.map((r) => {
      const c = r.capacity;
      const theoretical = Number.isFinite(c.theoreticalPerS)
        ? `${formatRate(c.theoreticalPerS)}/s = ${formatNumber(c.theoreticalPerS * 3600)}/h`
        : 'unlimited';
      const measured =
        c.measuredPerS === undefined
          ? 'not observed'
          : `${formatRate(c.measuredPerS)}/s = ${formatNumber(c.measuredPerS * 3600)}/h (${c.measuredWhat})`;
      return [
        r.label,
        `${c.concurrency ?? 'unlimited'}${c.source === 'assumed' ? ' (assumed)' : ''}`,
        `${formatPrecise(c.latencyS)} s`,
        theoretical,
        measured,
        c.efficiency === undefined ? '—' : formatPercent(c.efficiency, 0),
      ];
    }),
  };
}

export function businessTable(runs: RunView[], a: BusinessAssumptions): Table {
  const impacts = runs.map((r) => businessImpact(r.successRate, a));
  return {
    header: ['', ...runs.map((r) => r.label)],
    left: [0],
    rows: [
      ['success rate (measured)', ...impacts.map((i) => formatPercent(i.successRate))],
      [
        `orders completed of ${formatNumber(a.ordersPerSaleHour)}/h`,
        ...impacts.map((i) => formatNumber(i.completedOrders)),
      ],
      ['orders lost per hour', ...impacts.map((i) => formatNumber(i.lostOrders))],
      [`lost revenue per hour (at ${formatMoney(a.orderValue)})`, ...impacts.map((i) => formatMoney(i.lostPerHour))],
      [`per day (${a.salesPerDay} sales)`, ...impacts.map((i) => formatMoney(i.lostPerDay))],
      [`per year (${a.salesPerYear} sales)`, ...impacts.map((i) => formatMoney(i.lostPerYear))],
    ],
  };
}

type Direction = 'lower' | 'higher' | 'neutral';

interface Metric {
  name: string;
  value: (r: RunView) => number;
  format: (v: number) => string;
  better: Direction;
  /** Show the change in percentage points (for shares). */
  points?: boolean;
}

const METRICS: Metric[] = [
  { name: 'total requests', value: (r) => r.requests, format: (v) => formatNumber(v), better: 'neutral' },
  { name: 'successful requests', value: (r) => r.successes, format: (v) => formatNumber(v), better: 'higher' },
  { name: 'failed requests', value: (r) => r.failures, format: (v) => formatNumber(v), better: 'lower' },
  {
    name: 'success rate',
    value: (r) => r.successRate,
    format: (v) => formatPercent(v),
    better: 'higher',
    points: true,
  },
  { name: 'average response', value: (r) => r.avgMs, format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'minimum response', value: (r) => r.minMs, format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'maximum response', value: (r) => r.maxMs, format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'median response', value: (r) => r.medianMs, format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'p95 response', value: (r) => r.percentiles['95'], format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'p99 response', value: (r) => r.percentiles['99'], format: (v) => `${formatMs(v)} ms`, better: 'lower' },
  { name: 'requests/s', value: (r) => r.rps, format: formatRate, better: 'neutral' },
  { name: 'successes/s', value: (r) => r.successesPerS, format: formatRate, better: 'higher' },
  { name: 'failures/s', value: (r) => r.failuresPerS, format: formatRate, better: 'lower' },
];

function change(before: number, after: number, metric: Metric): string {
  if (metric.points) {
    const pp = (after - before) * 100;
    return `${pp >= 0 ? '+' : '−'}${formatPrecise(Math.abs(Math.round(pp * 10) / 10))} pp`;
  }
  if (before === 0) return after === 0 ? '=' : 'from 0';
  const ratio = (after - before) / before;
  if (Math.abs(ratio) < 0.0005) return '=';
  return `${ratio > 0 ? '+' : '−'}${formatPrecise(Math.abs(Math.round(ratio * 1000) / 10))} %`;
}

function verdict(before: number, after: number, metric: Metric): string {
  if (metric.better === 'neutral' || Math.abs(after - before) <= Math.abs(before) * 0.0005) return '';
  const improved = metric.better === 'lower' ? after < before : after > before;
  if (!improved) return 'worse';
  if (metric.better === 'lower' && after > 0 && before / after >= 2)
    return `better (${formatPrecise(Math.round(before / after))}× lower)`;
  if (metric.better === 'higher' && before > 0 && after / before >= 2)
    return `better (${formatPrecise(Math.round(after / before))}× higher)`;
  return 'better';
}

/** Two runs side by side with the change from the first to the second, metric by metric. */
export function comparisonTable(before: RunView, after: RunView, verdictHeader = 'impact'): Table {
  return {
    header: ['metric', before.label, after.label, 'change', verdictHeader],
    left: [0, 4],
    rows: METRICS.map((m) => {
      const a = m.value(before);
      const b = m.value(after);
      return [m.name, m.format(a), m.format(b), change(a, b, m), verdict(a, b, m)];
    }),
  };
}
