/** The report's charts, built from run views (study units). */
import { formatNumber } from '../loadtest/format.js';
import { COLORS, compactNumber, horizontalStackedBars, lineChart, stackedBarChart } from './svg.js';
import type { RunView } from './view.js';

export interface Chart {
  /** File-name-safe id, e.g. `run-1-latency`. */
  id: string;
  kind: 'success' | 'distribution' | 'latency' | 'throughput' | 'queue';
  title: string;
  svg: string;
}

/** Success vs failure, one bar per run. */
export function successChart(runs: RunView[]): Chart {
  const title = 'Success vs failure';
  return {
    id: 'success',
    kind: 'success',
    title,
    svg: horizontalStackedBars(
      { kind: 'success', title, xLabel: 'share of requests', yLabel: '' },
      runs.map((r) => ({
        label: r.label,
        parts: [
          { name: 'successes', color: COLORS.success, value: r.successes },
          { name: 'failures', color: COLORS.failure, value: r.failures },
        ],
      })),
    ),
  };
}

/** Milliseconds, or seconds when the figures run into seconds. */
function timeUnit(maxMs: number): { divisor: number; unit: string } {
  return maxMs >= 5000 ? { divisor: 1000, unit: 's' } : { divisor: 1, unit: 'ms' };
}

export function runCharts(run: RunView): Chart[] {
  const charts: Chart[] = [];
  const prefix = run.id;
  const study = run.scale === 1 ? '' : ' (study units)';

  const dist = run.distribution;
  const distUnit = timeUnit(dist.edges.at(-1) ?? 0);
  const edges = dist.edges.map((ms) => compactNumber(ms / distUnit.divisor));
  const labels = edges.map((from, i) => (i + 1 < edges.length ? `${from}–${edges[i + 1]}` : `${from}+`));
  charts.push({
    id: `${prefix}-distribution`,
    kind: 'distribution',
    title: `${run.label}: response-time distribution${study}`,
    svg: stackedBarChart(
      {
        kind: 'distribution',
        title: `${run.label}: response-time distribution${study}`,
        xLabel: `response time (${distUnit.unit})`,
        yLabel: 'requests',
      },
      labels,
      [
        { name: 'successes', color: COLORS.success, values: dist.successes },
        { name: 'failures', color: COLORS.failure, values: dist.failures },
      ],
    ),
  });

  const latUnit = timeUnit(Math.max(0, ...run.series.map((p) => p.p95Ms)));
  const withData = run.series.filter((p) => p.rps > 0);
  charts.push({
    id: `${prefix}-latency`,
    kind: 'latency',
    title: `${run.label}: response time over time${study}`,
    svg: lineChart(
      {
        kind: 'latency',
        title: `${run.label}: response time over time${study}`,
        xLabel: 'seconds since start',
        yLabel: `response time (${latUnit.unit})`,
      },
      [
        { name: 'p50', color: COLORS.primary, points: withData.map((p) => [p.t, p.p50Ms / latUnit.divisor]) },
        { name: 'p95', color: COLORS.secondary, points: withData.map((p) => [p.t, p.p95Ms / latUnit.divisor]) },
      ],
    ),
  });

  charts.push({
    id: `${prefix}-throughput`,
    kind: 'throughput',
    title: `${run.label}: throughput over time${study}`,
    svg: lineChart(
      {
        kind: 'throughput',
        title: `${run.label}: throughput over time${study}`,
        xLabel: 'seconds since start',
        yLabel: 'per second',
      },
      [
        { name: 'requests/s', color: COLORS.muted, points: run.series.map((p) => [p.t, p.rps]), dashed: true },
        { name: 'successes/s', color: COLORS.success, points: run.series.map((p) => [p.t, p.successesPerS]) },
        { name: 'failures/s', color: COLORS.failure, points: run.series.map((p) => [p.t, p.failuresPerS]) },
      ],
    ),
  });

  const queue = run.queue.filter((q) => q.visible !== undefined);
  // A queue that stayed empty (the sync checkout does not use it) is not worth a chart.
  if (queue.length > 0 && (run.kind === 'async' || queue.some((q) => q.visible! > 0))) {
    const series = [
      { name: 'visible', color: COLORS.primary, points: queue.map((q) => [q.t, q.visible!] as [number, number]) },
      {
        name: 'in flight',
        color: COLORS.secondary,
        points: queue.filter((q) => q.inFlight !== undefined).map((q) => [q.t, q.inFlight!] as [number, number]),
      },
    ];
    if (queue.some((q) => (q.deadLetters ?? 0) > 0)) {
      series.push({
        name: 'dead letters',
        color: COLORS.failure,
        points: queue.map((q) => [q.t, q.deadLetters ?? 0] as [number, number]),
      });
    }
    const peak = Math.max(...queue.map((q) => q.visible!));
    charts.push({
      id: `${prefix}-queue`,
      kind: 'queue',
      title: `${run.label}: queue depth over time (peak ${formatNumber(peak)} visible)`,
      svg: lineChart(
        {
          kind: 'queue',
          title: `${run.label}: queue depth over time (peak ${formatNumber(peak)} visible)`,
          xLabel: 'seconds since start',
          yLabel: 'messages',
        },
        series,
      ),
    });
  }
  return charts;
}
