/**
 * The seed's three report sections — executive summary, results, technical
 * analysis — written from the measured numbers. Each sentence is chosen by what
 * the data shows; nothing is a fill-in template.
 */
import { formatNumber, formatPrecise, formatRate } from '../loadtest/format.js';
import { type BusinessAssumptions, businessImpact, formatMoney, headlineRun } from './business.js';
import { type Block, h, ol, p, ul } from './document.js';
import {
  article,
  capitalize,
  comparisonPairs,
  dominantFailure,
  duration,
  endpointTitle,
  KIND_WORDS,
  loadPhrase,
  percent,
  perSecond,
  queuePeak,
  scenarioTitle,
} from './facts.js';
import type { RunView } from './view.js';

export interface ProseContext {
  runs: RunView[];
  business: BusinessAssumptions;
}

function runList(runs: RunView[]): string {
  return runs
    .map(
      (r) =>
        `${scenarioTitle(r)} on \`${r.result.config.method} ${r.path}\` (${loadPhrase(r)}, ${formatPrecise(Math.round(r.durationS))} s)`,
    )
    .join('; ');
}

function scaleSentence(runs: RunView[]): string {
  const scales = [...new Set(runs.map((r) => r.scale))].filter((s) => s !== 1);
  if (scales.length === 0) return '';
  return ` The runs used time scale ${scales.join(', ')}: the simulated world ran ${scales.map((s) => `${formatPrecise(1 / s)}×`).join(', ')} faster, and the figures in this report are converted back to the study's units (see Method and units).`;
}

export function executiveSummary({ runs, business }: ProseContext): Block[] {
  const blocks: Block[] = [];
  const hosts = [...new Set(runs.map((r) => r.result.config.host))].join(', ');
  blocks.push(
    p(
      `flashsale was load-tested at ${hosts} with \`flashsale loadtest\` (Locust's closed-loop users and statistics, exact percentiles) in ${runs.length} run${runs.length === 1 ? '' : 's'}: ${runList(runs)}.${scaleSentence(runs)}`,
    ),
  );

  const sync = runs.filter((r) => r.kind === 'sync');
  if (sync.length > 0) {
    const sentences = sync.map((r, i) => {
      const lead = i === 0 ? 'Under' : 'During';
      const base = `${lead} ${scenarioTitle(r)} load (${r.result.config.mode === 'closed' ? `${r.result.config.users} concurrent users` : `${formatPrecise(r.result.config.rate!)} orders/s`}), the synchronous checkout showed ${article(percent(r.failureRate))} ${percent(r.failureRate)} failure rate with an average response time of ${duration(r.avgMs)}`;
      const failure = dominantFailure(r);
      const timeouts =
        failure?.kind === 'timeout' && failure.share >= 0.5 && r.failureRate >= 0.5
          ? `, most requests timing out after ${duration(r.result.config.timeoutMs)}`
          : '';
      return `${base}${timeouts}.`;
    });
    const worst = headlineRun(sync)!;
    const c = worst.capacity;
    const impact = businessImpact(worst.successRate, business);
    const limit = Number.isFinite(c.theoreticalPerS)
      ? `The payment bottleneck (${formatPrecise(c.latencyS)} s per payment, ${c.concurrency} at a time) limited throughput to ${formatRate(worst.successesPerS)} successful orders per second${c.efficiency !== undefined ? `, ${percent(c.efficiency)} of the theoretical ${perSecond(c.theoreticalPerS)}` : ''}`
      : `Throughput reached ${formatRate(worst.successesPerS)} successful orders per second`;
    sentences.push(
      `${limit}, an estimated revenue loss of ${formatMoney(impact.lostPerHour)} per hour during peak load (${formatMoney(business.orderValue)} an order, ${formatNumber(business.ordersPerSaleHour)} orders expected per sale hour).`,
    );
    blocks.push(p(sentences.join(' ')));
  }

  const async = runs.filter((r) => r.kind === 'async');
  for (const r of async) {
    const target = r.percentiles['99'] < 100 ? 'within' : 'above';
    let text = `The asynchronous checkout accepted ${percent(r.successRate)} of ${formatNumber(r.requests)} orders under ${scenarioTitle(r)} load with an average response of ${duration(r.avgMs)} and a p99 of ${duration(r.percentiles['99'])}, ${target} the 100 ms target.`;
    if (r.e2e) {
      text += ` Payment followed in the background: of ${r.e2e.tracked} orders followed, ${r.e2e.completed} ${r.e2e.completed === 1 ? 'was' : 'were'} paid by the end, a median ${duration(r.e2e.p50Ms)} after acceptance.`;
    }
    const queue = queuePeak(r);
    if (queue && queue.peak > 0) {
      text += ` The queue peaked at ${formatNumber(queue.peak)} messages${queue.last > 0 ? ` and still held ${formatNumber(queue.last)} when the load stopped` : ' and was empty again by the end'}.`;
    }
    blocks.push(p(text));
  }

  blocks.push(p(conclusion(runs)));
  return blocks;
}

function conclusion(runs: RunView[]): string {
  const sync = runs.filter((r) => r.kind === 'sync');
  const async = runs.filter((r) => r.kind === 'async');
  const worstSync = Math.max(0, ...sync.map((r) => r.failureRate));
  const worstAsync = Math.max(0, ...async.map((r) => r.failureRate));
  if (sync.length && async.length && worstSync > 0.1 && worstAsync < 0.01) {
    return 'These results show that the synchronous, blocking checkout cannot absorb a flash sale — its throughput is fixed by the payment provider, and every customer beyond it waits until the timeout — while asynchronous acceptance answers every customer at once and moves the deficit into a queue, whose drain time is then set by the number of workers.';
  }
  if (sync.length && worstSync > 0.1) {
    return 'These results demonstrate that a synchronous, blocking checkout is unsuitable for variable load: its throughput is capped by the payment provider, and the demand above that cap turns into timeouts. They justify accepting orders asynchronously.';
  }
  if (Math.max(worstSync, worstAsync, ...runs.map((r) => r.failureRate)) < 0.01) {
    return 'Every run stayed below 1 % failures: at the tested load the system keeps up.';
  }
  return 'Some runs failed more than 1 % of their requests; the failure modes below say why.';
}

export function resultsProse({ runs }: ProseContext): Block[] {
  const blocks: Block[] = [h('Test configuration')];
  const versions = [...new Set(runs.map((r) => r.result.tool.version))].join(', ');
  const timeouts = [...new Set(runs.map((r) => duration(r.result.config.timeoutMs)))].join(', ');
  const scales = [...new Set(runs.map((r) => r.scale))];
  blocks.push(
    ul([
      `Tool: \`flashsale loadtest\` ${versions} — Locust's user model, statistics and CSV files; percentiles exact to 0.01 % (HDR histogram)`,
      `Target: ${[...new Set(runs.map((r) => r.result.config.host))].join(', ')}`,
      `Time scale: ${scales.map((s) => (s === 1 ? '1 (real time)' : String(s))).join(', ')}`,
      `Timeout: ${timeouts} per request`,
    ]),
  );
  for (const r of runs) {
    const c = r.result.config;
    blocks.push(h(`${capitalize(scenarioTitle(r))} test — ${r.label}`));
    const load =
      c.mode === 'closed'
        ? [
            `Users: ${c.users} concurrent`,
            `Spawn rate: ${formatPrecise(c.spawnRate!)} users/second`,
            `Wait between requests: ${formatPrecise(c.waitMs![0])}–${formatPrecise(c.waitMs![1])} ms`,
          ]
        : [`Arrival rate: ${formatPrecise(c.rate!)} requests/second at fixed times (open loop)`];
    blocks.push(
      ul([
        `Endpoint: \`${c.method} ${c.path}\` (${endpointTitle(r)})`,
        `Duration: ${formatPrecise(c.runTimeMs / 1000)} seconds`,
        ...load,
        `Results: ${formatNumber(r.requests)} requests, ${formatNumber(r.failures)} failures (${percent(r.failureRate)}); response avg ${duration(r.avgMs)}, median ${duration(r.medianMs)}, p95 ${duration(r.percentiles['95'])}, max ${duration(r.maxMs)}; ${formatRate(r.rps)} requests/s, ${formatRate(r.successesPerS)} successes/s`,
      ]),
    );
  }
  return blocks;
}

export function keyFindings({ runs, business }: ProseContext): Block[] {
  const findings: string[] = [];
  const worst = [...runs].sort((a, b) => b.failureRate - a.failureRate)[0];
  if (worst && worst.failures > 0) {
    findings.push(
      `${percent(worst.failureRate)} failure rate in the ${scenarioTitle(worst)} run on the ${endpointTitle(worst)} (${worst.label})`,
    );
  }
  const sync = runs.filter((r) => r.kind === 'sync' && Number.isFinite(r.capacity.theoreticalPerS));
  if (sync.length > 0) {
    const best = Math.max(...sync.map((r) => r.successesPerS));
    const cap = sync[0]!.capacity;
    const within = sync.every((r) => r.successesPerS <= r.capacity.theoreticalPerS * 1.05);
    const slowest = Math.min(...sync.filter((r) => r.successes > 0).map((r) => r.successMinMs));
    findings.push(
      within
        ? `Payment bottleneck confirmed: successful orders never exceeded ${perSecond(best)} against a theoretical ${perSecond(cap.theoreticalPerS)}${Number.isFinite(slowest) ? `, and no success was faster than ${duration(slowest)} (one payment takes ${formatPrecise(cap.latencyS)} s)` : ''}`
        : `Successful orders reached ${perSecond(best)}, above the ${perSecond(cap.theoreticalPerS)} the assumed payment capacity allows: check the capacity assumption`,
    );
  }
  const headline = headlineRun(runs);
  if (headline && headline.failures > 0) {
    findings.push(
      `Estimated revenue loss: ${formatMoney(businessImpact(headline.successRate, business).lostPerHour)} per hour (${headline.label})`,
    );
  }
  for (const r of runs.filter((x) => x.kind === 'async')) {
    findings.push(
      `Asynchronous acceptance (${r.label}): ${percent(r.failureRate)} failures, p99 ${duration(r.percentiles['99'])} (target < 100 ms)`,
    );
  }
  for (const [a, b] of comparisonPairs(runs).syncVsAsync) {
    if (b.avgMs > 0) {
      findings.push(
        `Going asynchronous in the ${scenarioTitle(a)} scenario: success rate ${percent(a.successRate)} → ${percent(b.successRate)}, average response ${duration(a.avgMs)} → ${duration(b.avgMs)}`,
      );
    }
  }
  for (const r of runs) {
    const q = queuePeak(r);
    if (q && q.peak > 0) findings.push(`Queue depth peaked at ${formatNumber(q.peak)} messages during ${r.label}`);
  }
  const failure = runs.map(dominantFailure).find((f) => f !== undefined);
  if (failure) findings.push(`Main failure mode: ${KIND_WORDS[failure.kind]}`);
  if (findings.length === 0) findings.push('No failures in any run');
  return [h('Key findings'), ol(findings)];
}
