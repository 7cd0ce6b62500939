/** The capacity analysis as a terminal table and as JSON. */
import { formatNumber, formatPercent, formatPrecise, formatSeconds, textTable } from '../loadtest/format.js';
import type { CapacityAnalysis } from './capacity.js';

/** Rows of [figure, value, how it is computed]. */
export function analysisRows(a: CapacityAnalysis): [string, string, string][] {
  const p = a.params;
  const unlimited = a.concurrency === null;
  const conc = unlimited ? 'unlimited' : formatNumber(a.concurrency!);
  return [
    ['payments at once', conc, `min(slots ${p.slots ?? '∞'}, workers ${p.workers ?? '∞'}) — bound by ${a.boundBy}`],
    [
      'capacity per second',
      `${formatPrecise(a.capacityPerS)} orders/s`,
      `${conc} ÷ ${formatPrecise(p.latencyS)} s per payment`,
    ],
    ['capacity per minute', `${formatPrecise(a.capacityPerMin)} orders/min`, 'capacity × 60'],
    ['capacity per hour', `${formatNumber(a.capacityPerHour)} orders/h`, 'capacity × 3,600'],
    [
      'demand',
      `${formatPrecise(p.demandPerS)} orders/s for ${formatSeconds(p.durationS)}`,
      `${formatNumber(a.ordersInSale)} orders in the sale`,
    ],
    ['utilization', formatPercent(a.utilization, 0), 'demand ÷ capacity'],
    ['deficit', `${formatPrecise(a.deficitPerS)} orders/s`, 'demand − capacity (0 if it keeps up)'],
    ['queue growth', `${formatPrecise(a.queueGrowthPerS)} messages/s`, 'the deficit, queued by the async checkout'],
    ['backlog at the end of the sale', `${formatNumber(a.backlogAtEnd)} orders`, 'deficit × duration'],
    [
      'time to drain it',
      formatSeconds(a.drainS),
      `backlog ÷ (capacity − ${formatPrecise(p.afterDemandPerS ?? 0)}/s of demand after the sale)`,
    ],
    ['minimum workers that keep up', formatNumber(a.minWorkers), "demand × latency (Little's law), with as many slots"],
    [
      'sync checkout: expected failures',
      formatPercent(a.syncFailureRate, 1),
      `1 − capacity ÷ demand; each slot finishes ${a.syncPositionsPerSlot} request(s) within the ${formatPrecise(p.timeoutS)} s timeout`,
    ],
  ];
}

export function formatAnalysis(a: CapacityAnalysis): string {
  const table = textTable(['figure', 'value', 'how'], analysisRows(a), [0, 2]);
  return [table, ...a.notes.map((n) => `note: ${n}`)].join('\n');
}

/** JSON-safe: unlimited concurrency and an endless drain become null. */
export function analysisJson(a: CapacityAnalysis): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(a, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value)),
  ) as Record<string, unknown>;
}
