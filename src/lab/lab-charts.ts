/** The lab's charts, drawn with the report's SVG helpers; every axis in study units. */
import type { Chart } from '../report/index.js';
import { COLORS, type LineSeries, lineChart } from '../report/svg.js';
import { backlog } from './measure.js';
import type { PhaseResult } from './results.js';
import type { QueuePoint } from './stats-sampler.js';

const PALETTE = [COLORS.primary, COLORS.secondary, COLORS.tertiary, COLORS.success, COLORS.failure, COLORS.muted];

/** At most ~400 points per series: the SVG stays small, the shape stays. */
function thin(series: readonly QueuePoint[], max = 400): readonly QueuePoint[] {
  if (series.length <= max) return series;
  const every = Math.ceil(series.length / max);
  return series.filter((_, i) => i % every === 0 || i === series.length - 1);
}

function line(name: string, color: string, points: readonly QueuePoint[], y: (p: QueuePoint) => number): LineSeries {
  return { name, color, points: thin(points).map((p) => [p.t, y(p)]) };
}

function chart(id: string, title: string, kind: Chart['kind'], yLabel: string, series: LineSeries[], xLabel?: string) {
  return {
    id,
    kind,
    title,
    svg: lineChart({ kind, title, xLabel: xLabel ?? 'study seconds since the load started', yLabel }, series),
  } satisfies Chart;
}

/** Messages waiting and being paid (async), or customers waiting for the payment slot (sync). */
export function queueChart(phase: PhaseResult): Chart | undefined {
  const s = phase.series;
  if (s.length === 0) return undefined;
  if (phase.group === 'sync-normal' || phase.group === 'sync-flash') {
    return chart(`${phase.id}-waiting`, `${phase.title}: requests waiting for the payment slot`, 'queue', 'requests', [
      line('waiting for the slot', COLORS.primary, s, (p) => p.paymentsWaiting),
      line('paying', COLORS.secondary, s, (p) => p.paymentsInFlight),
    ]);
  }
  const series = [
    line('visible (waiting)', COLORS.primary, s, (p) => p.visible),
    line('in flight (being paid)', COLORS.secondary, s, (p) => p.inFlight),
  ];
  if (s.some((p) => p.deadLetters > 0)) series.push(line('dead letters', COLORS.failure, s, (p) => p.deadLetters));
  return chart(`${phase.id}-queue`, `${phase.title}: queue depth`, 'queue', 'messages', series);
}

/** The scaling runs side by side: waiting + being paid, over time. */
export function scalingQueueChart(phases: PhaseResult[]): Chart {
  return chart(
    'scaling-queue',
    'Worker scaling: queue depth (waiting + being paid) per worker count',
    'queue',
    'messages',
    phases.map((phase, i) =>
      line(`${phase.id.replace('workers-', '')} workers`, PALETTE[i % PALETTE.length]!, phase.series, backlog),
    ),
  );
}

/** Processing rate against the worker count, with N ÷ L beside it. */
export function scalingRateChart(rows: Array<{ workers: number; rate: number | null; theory: number }>): Chart {
  const measured = rows.filter((r) => r.rate !== null);
  return chart(
    'scaling-rate',
    'Worker scaling: processing rate, measured and N ÷ payment time',
    'throughput',
    'orders per second',
    [
      { name: 'theory', color: COLORS.muted, dashed: true, points: rows.map((r) => [r.workers, r.theory]) },
      { name: 'measured', color: COLORS.primary, points: measured.map((r) => [r.workers, r.rate!]) },
    ],
    'workers',
  );
}

/** The minimum-workers probes: queue growth per second against the worker count. */
export function probeChart(phase: PhaseResult): Chart | undefined {
  const probes = phase.probes ?? [];
  if (probes.length === 0) return undefined;
  return chart(
    'min-workers-probes',
    'Fewest workers for 60 orders/s: orders processed per second in each probe',
    'throughput',
    'orders per second',
    [
      { name: 'demand', color: COLORS.muted, dashed: true, points: probes.map((p) => [p.workers, 60]) },
      { name: 'processed', color: COLORS.primary, points: probes.map((p) => [p.workers, p.processedPerS]) },
    ],
    'workers',
  );
}

/** The autoscaler's worker count beside the backlog it reacted to. */
export function autoscalerCharts(phase: PhaseResult): Chart[] {
  const s = phase.series;
  if (s.length === 0) return [];
  return [
    chart('autoscaler-workers', 'Autoscaler: workers over time', 'throughput', 'workers', [
      line('target workers', COLORS.primary, s, (p) => p.workers),
      line('busy', COLORS.secondary, s, (p) => p.busy),
    ]),
    chart('autoscaler-queue', 'Autoscaler: queue depth', 'queue', 'messages', [
      line('visible (waiting)', COLORS.primary, s, (p) => p.visible),
      line('in flight (being paid)', COLORS.secondary, s, (p) => p.inFlight),
    ]),
  ];
}

/** A sku's units over the sale — available, reserved by unpaid orders, sold — and the moment none was left. */
export function stockChart(phase: PhaseResult, sku: string, soldOutAt: number | null): Chart | undefined {
  const s = phase.series.filter((p) => p.stock?.[sku] !== undefined);
  if (s.length === 0) return undefined;
  const units = (p: QueuePoint) => p.stock![sku]!;
  const series = [
    line('available', COLORS.primary, s, (p) => units(p).available),
    line('reserved (unpaid orders)', COLORS.secondary, s, (p) => units(p).reserved),
    line('sold', COLORS.success, s, (p) => units(p).sold),
  ];
  if (soldOutAt !== null) {
    const top = Math.max(...s.map((p) => units(p).initial));
    series.push({
      name: `sold out at ${Math.round(soldOutAt * 10) / 10} s`,
      color: COLORS.failure,
      dashed: true,
      points: [
        [soldOutAt, 0],
        [soldOutAt, top],
      ],
    });
  }
  return chart(`${phase.id}-stock`, `${phase.title}: ${sku} units over time`, 'queue', 'units', series);
}
