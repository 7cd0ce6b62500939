/** The technical analysis section: bottleneck, capacity, queue behaviour, failure modes. */
import { analyzeCapacity } from '../analyze/capacity.js';
import { formatNumber, formatPrecise, formatRate } from '../loadtest/format.js';
import { type Block, h, p, table, ul } from './document.js';
import {
  capitalize,
  dominantFailure,
  duration,
  endpointTitle,
  failureTakeover,
  KIND_WORDS,
  percent,
  periods,
  perSecond,
  queueGrowth,
  queuePeak,
} from './facts.js';
import { capacityTable } from './tables.js';
import type { RunView } from './view.js';

export function technicalAnalysis(runs: RunView[]): Block[] {
  return [...bottleneck(runs), ...queueBehaviour(runs), ...failureModes(runs)];
}

function bottleneck(runs: RunView[]): Block[] {
  const blocks: Block[] = [h('Bottleneck identification')];
  const first = runs.find((r) => r.kind === 'sync') ?? runs[0]!;
  const c = first.capacity;
  const source = c.source === 'server' ? "as the server's /stats reported it" : 'assumed: the study’s provider';
  if (Number.isFinite(c.theoreticalPerS)) {
    blocks.push(
      p(
        'The payment provider is the critical bottleneck: every order waits for one payment, and the provider runs a fixed number at a time.',
      ),
      ul([
        `Processing time: ${formatPrecise(c.latencyS)} seconds per payment (${source})`,
        `Concurrency: ${c.concurrency} payment${c.concurrency === 1 ? '' : 's'} at a time`,
        `Theoretical maximum: ${formatRate(c.theoreticalPerS)} orders/second = ${formatNumber(c.theoreticalPerS * 60)} orders/minute = ${formatNumber(c.theoreticalPerS * 3600)} orders/hour`,
      ]),
    );
  } else {
    blocks.push(
      p(
        `Payments run without a concurrency limit at ${formatPrecise(c.latencyS)} s each (${source}); the pipeline itself sets the ceiling.`,
      ),
    );
  }
  blocks.push(
    p(
      'Theoretical against measured capacity, run by run (sync: successful orders per second; async: payments completed per second while the load ran):',
    ),
    table(capacityTable(runs)),
  );
  for (const r of runs) {
    const e = r.capacity.efficiency;
    if (e === undefined) continue;
    if (e > 1.05) {
      blocks.push(
        p(
          `${r.label} measured more than the theoretical maximum (${percent(e)}): the capacity assumption does not match the server — pass its payment latency and slots to \`flashsale report\`.`,
        ),
      );
    }
  }
  return blocks;
}

function queueBehaviour(runs: RunView[]): Block[] {
  const blocks: Block[] = [h('Queue behaviour')];
  for (const r of runs.filter((x) => x.kind !== 'async' && x.requests > 0)) {
    const parts = periods(r).filter((x) => x.requests > 0);
    blocks.push(
      p(`${r.label} (${endpointTitle(r)}), response times by period of the run:`),
      ul(
        parts.map(
          (x) =>
            `${capitalize(x.name)} requests (${formatPrecise(Math.round(x.fromS))}–${formatPrecise(Math.round(x.toS))} s): typical ${duration(x.typicalMs)}, ${percent(x.failureShare)} failed`,
        ),
      ),
    );
    const early = parts[0];
    const late = parts.at(-1);
    if (early && late && early.failureShare >= 0.5) {
      blocks.push(
        p(
          `The queue for the payment slot was saturated almost from the start: already in the first third ${percent(early.failureShare)} of the requests waited out the ${duration(r.result.config.timeoutMs)} timeout.`,
        ),
      );
    } else if (early && late && late.typicalMs > early.typicalMs * 1.5 && late.failureShare > early.failureShare) {
      blocks.push(
        p(
          `Pattern: the first requests are answered at about the payment time; as users queue behind the payment slot each waits longer, until requests wait out the ${duration(r.result.config.timeoutMs)} timeout and fail.`,
        ),
      );
    } else if (early && late) {
      blocks.push(p('Response times stayed at the same level from the start of the run to its end.'));
    }
  }
  for (const r of runs.filter((x) => x.kind === 'async')) {
    const q = queuePeak(r);
    const growth = queueGrowth(r);
    if (!q) {
      blocks.push(p(`${r.label}: the target's /stats were not sampled, so the queue depth is unknown.`));
      continue;
    }
    const from = q.first > 0 ? ` (it held ${formatNumber(q.first)} when the run started)` : '';
    let text = `${r.label}: the queue peaked at ${formatNumber(q.peak)} visible messages ${formatPrecise(Math.round(q.atS))} s into the run${from}`;
    if (growth !== undefined) {
      text += ` and grew at about ${formatRate(growth)} messages/s`;
      const c = r.capacity;
      if (Number.isFinite(c.theoreticalPerS)) {
        const predicted = analyzeCapacity({
          latencyS: c.latencyS,
          slots: c.concurrency,
          workers: null,
          demandPerS: r.successesPerS,
          durationS: r.durationS,
        });
        text += `; the arithmetic predicts ${formatRate(predicted.queueGrowthPerS)}/s (accepted ${perSecond(r.successesPerS)} − capacity ${perSecond(c.theoreticalPerS)}), a backlog of ${formatNumber(predicted.backlogAtEnd)} at the end of the run that takes ${formatDrain(predicted.drainS)} to drain`;
      }
    }
    blocks.push(p(`${text}.`));
  }
  return blocks;
}

function formatDrain(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'forever';
  return seconds < 120
    ? `${formatPrecise(Math.round(seconds))} s`
    : `${formatPrecise(Math.round(seconds / 6) / 10)} min`;
}

function failureModes(runs: RunView[]): Block[] {
  const blocks: Block[] = [h('Failure modes')];
  const failing = runs.filter((r) => r.failures > 0);
  if (failing.length === 0) {
    blocks.push(p('No request failed in any run: no timeouts, no error statuses, no connection errors.'));
    return blocks;
  }
  for (const r of failing) {
    const d = dominantFailure(r)!;
    const k = r.result.errorsByKind;
    let text = `${r.label}: the primary failure mode was ${KIND_WORDS[d.kind]} (${percent(d.share)} of ${formatNumber(r.failures)} failures; timeouts ${formatNumber(k.timeout)}, HTTP statuses ${formatNumber(k.http)}, connection errors ${formatNumber(k.connection)}).`;
    const takeover = failureTakeover(r);
    if (takeover !== undefined) {
      const before = r.series.filter((x) => x.t < takeover).reduce((s, x) => s + x.rps, 0);
      text += ` From second ${formatPrecise(takeover)} on (after about ${formatNumber(Math.round(before))} requests) failures outnumbered successes`;
      text +=
        d.kind === 'timeout'
          ? `: requests could no longer be answered within the ${duration(r.result.config.timeoutMs)} timeout.`
          : '.';
    }
    if (r.result.cancelledAtStop > 0) {
      text += ` ${formatNumber(r.result.cancelledAtStop)} request(s) still in flight at the end were not counted (as Locust does).`;
    }
    blocks.push(p(text));
  }
  return blocks;
}
