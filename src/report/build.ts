/** Assembles the report document from results: sections, tables, charts. */
import { formatPrecise } from '../loadtest/format.js';
import type { LoadTestResult } from '../loadtest/results.js';
import { technicalAnalysis } from './analysis.js';
import { type BusinessAssumptions, headlineRun, SEED_BUSINESS } from './business.js';
import { type Chart, runCharts, successChart } from './charts.js';
import { type Block, charts, h, p, type ReportDocument, type Section, table, ul } from './document.js';
import { comparisonPairs, duration, scenarioTitle } from './facts.js';
import { executiveSummary, keyFindings, resultsProse } from './prose.js';
import { businessTable, comparisonTable, configTable, errorTable, percentileTable, summaryTable } from './tables.js';
import { type CapacityAssumption, type RunView, runView, STUDY_CAPACITY } from './view.js';

export interface ReportOptions {
  /** Heading of the report. Default "flashsale load-test report". */
  title?: string;
  /** Business-impact assumptions; defaults are the seed's ($50, 1,800 orders/h, 4 sales/day, 48/year). */
  business?: Partial<BusinessAssumptions>;
  /** Payment latency, slots and workers when a run's results carry no /stats. Default the study's 3 s, 1 slot, 1 worker. */
  capacity?: Partial<CapacityAssumption>;
  /** When the report was made (for the subtitle). Default now. */
  generatedAt?: Date;
}

export interface BuiltReport {
  document: ReportDocument;
  runs: RunView[];
  charts: Chart[];
}

export function buildReport(results: LoadTestResult[], options: ReportOptions = {}): BuiltReport {
  if (results.length === 0) throw new RangeError('a report needs at least one run');
  const business = { ...SEED_BUSINESS, ...options.business };
  const capacity = { ...STUDY_CAPACITY, ...options.capacity };
  const runs = results.map((r, i) => runView(r, i, capacity));
  const overview = successChart(runs);
  const perRun = new Map(runs.map((r) => [r.id, runCharts(r)]));
  const allCharts = [overview, ...[...perRun.values()].flat()];

  const sections: Section[] = [
    { id: 'executive-summary', title: 'Executive summary', blocks: executiveSummary({ runs, business }) },
    { id: 'results', title: 'Results', blocks: resultsBlocks(runs, business, overview) },
    { id: 'technical-analysis', title: 'Technical analysis', blocks: technicalAnalysis(runs) },
    { id: 'runs', title: 'Run details', blocks: runDetails(runs, perRun) },
    { id: 'method', title: 'Method and units', blocks: method(runs) },
  ];
  const generated = (options.generatedAt ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    document: {
      title: options.title ?? 'flashsale load-test report',
      subtitle: [
        `Generated ${generated} from ${runs.length} run${runs.length === 1 ? '' : 's'}: ${runs.map((r) => r.label).join(', ')}.`,
        unitsLine(runs),
      ],
      sections,
    },
    runs,
    charts: allCharts,
  };
}

function unitsLine(runs: RunView[]): string {
  const scaled = runs.filter((r) => r.scale !== 1);
  if (scaled.length === 0) return 'All runs in real time: figures are as measured.';
  return `Scaled runs (${scaled.map((r) => `${r.label} at ${r.scale}`).join(', ')}): figures are in the study's units — response times that stand for simulated time are divided by the scale, acceptance times are wall time as measured, rates are per study second.`;
}

function resultsBlocks(runs: RunView[], business: BusinessAssumptions, overview: Chart): Block[] {
  const blocks: Block[] = [...resultsProse({ runs, business })];
  blocks.push(
    h('Summary'),
    table(summaryTable(runs)),
    h('Response time percentiles (ms)'),
    table(percentileTable(runs)),
  );
  blocks.push(charts([overview]));
  const pairs = comparisonPairs(runs);
  for (const [normal, flash] of pairs.normalVsFlash) {
    blocks.push(h(`Normal operations vs flash sale — \`${normal.path}\``), table(comparisonTable(normal, flash)));
  }
  for (const [sync, async] of pairs.syncVsAsync) {
    blocks.push(
      h(`Synchronous vs asynchronous — ${scenarioTitle(sync)}`),
      table(comparisonTable(sync, async, 'improvement')),
    );
  }
  if (runs.length > 1 && pairs.normalVsFlash.length === 0 && pairs.syncVsAsync.length === 0) {
    blocks.push(h('Runs compared'), table(comparisonTable(runs[0]!, runs[1]!)));
  }
  const headline = headlineRun(runs)!;
  blocks.push(
    h('Business impact'),
    p(
      `Of ${formatPrecise(business.ordersPerSaleHour)} orders expected in a flash-sale hour, the failure share of each run is lost; at ${`$${formatPrecise(business.orderValue)}`} an average order, ${business.salesPerDay} sales a day and ${business.salesPerYear} a year (the seed's assumptions unless changed with flags). The headline figure comes from ${headline.label}.`,
    ),
    table(businessTable(runs, business)),
  );
  blocks.push(...keyFindings({ runs, business }));
  return blocks;
}

function runDetails(runs: RunView[], perRun: Map<string, Chart[]>): Block[] {
  const blocks: Block[] = [];
  for (const r of runs) {
    blocks.push(h(`${r.label}`), table(configTable(r)));
    if (r.failures > 0) blocks.push(table(errorTable(r), 'Error report'));
    if (r.e2e) {
      blocks.push(
        p(
          `Acceptance to payment (${r.e2e.tracked} accepted orders followed through \`GET /orders/{id}\`): ${r.e2e.completed} paid, median ${duration(r.e2e.p50Ms)}, p95 ${duration(r.e2e.p95Ms)}, max ${duration(r.e2e.maxMs)}.`,
        ),
      );
    }
    if (r.result.notes.length) blocks.push(ul(r.result.notes));
    blocks.push(charts(perRun.get(r.id) ?? []));
  }
  return blocks;
}

function method(runs: RunView[]): Block[] {
  const blocks: Block[] = [
    ul([
      'Closed loop (Locust): each virtual user sends a request, waits for the answer, pauses a random time in the wait range, and repeats; users start at the spawn rate; requests still in flight when the run time ends are abandoned and not counted.',
      'Open loop: requests leave at fixed intended times whatever the server does, and each response time is measured from the intended time, so a stalled server cannot hide its stall (no coordinated omission).',
      'A 200 (sync) or 202 (async) answer is a success; any other status, a client timeout or a connection error is a failure. Failures count as requests with their response times, as in Locust.',
      'Percentiles come from an HDR histogram with four significant digits (within 0.01 % of the exact value); Locust rounds to two.',
    ]),
  ];
  if (runs.some((r) => r.scale !== 1)) {
    blocks.push(
      p(
        'Time scale: the server ran its simulated world (payments, timeouts) faster by the scale, and the load generator scaled its own simulated durations (waits, timeout, run time, spawn interval, arrival interval) by the same factor, so every ratio of the study holds. The results files keep the raw measurements and the scale; this report converts them:',
      ),
      ul([
        'response times of runs whose latency is simulated time (the synchronous checkout: a payment wait) are divided by the scale;',
        'response times of runs whose latency is wall time (the asynchronous acceptance contains no simulated wait) are shown as measured — dividing them would inflate them;',
        'rates (requests/s, successes/s) are per study second: measured × scale; durations and the per-second series are in study seconds;',
        'acceptance-to-payment times (queue wait plus payment) are simulated time: divided by the scale.',
      ]),
    );
  }
  return blocks;
}
