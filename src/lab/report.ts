/** The lab's reports: one document (the report's model), rendered as Markdown with SVG files and as one HTML page. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatNumber, formatPrecise, formatSeconds } from '../loadtest/format.js';
import type { LoadTestResult } from '../loadtest/index.js';
import { runCharts } from '../report/charts.js';
import { type Block, charts, p, type Section, table } from '../report/document.js';
import { type Chart, type ReportDocument, renderHtml, renderMarkdown, STUDY_CAPACITY } from '../report/index.js';
import { runView } from '../report/view.js';
import {
  autoscalerCharts,
  probeChart,
  queueChart,
  scalingQueueChart,
  scalingRateChart,
  stockChart,
} from './lab-charts.js';
import type { Figure, LabResult, PhaseResult } from './results.js';
import { SELLOUT, soldOutAt } from './sellout-phase.js';
import { studySections } from './study-report.js';

function value(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return '—';
  if (unit === 's' && v >= 120) return formatSeconds(v);
  const text = formatPrecise(v);
  return unit === '' ? text : unit === '%' ? `${text} %` : `${text} ${unit}`;
}

const MARK = { ok: '✓', off: '✗' } as const;

function figureTable(figures: Figure[], phaseColumn?: string) {
  return table({
    header: [...(phaseColumn ? ['phase'] : []), 'figure', 'measured', 'theory', 'how', 'seed', ''],
    left: phaseColumn ? [0, 1, 4] : [0, 3],
    rows: figures.map((f) => [
      ...(phaseColumn ? [(f as Figure & { phase?: string }).phase ?? ''] : []),
      f.note ? `${f.name} (${f.note})` : f.name,
      value(f.measured, f.unit),
      value(f.theory, f.unit),
      f.basis ?? '',
      f.seed === undefined ? '' : value(f.seed, f.unit),
      f.verdict ? MARK[f.verdict] : '',
    ]),
  });
}

/** The load generator's own charts for a phase (response times, throughput), without its coarser queue chart. */
function loadCharts(phase: PhaseResult, loadtest: LoadTestResult | undefined, index: number): Chart[] {
  if (!loadtest) return [];
  const view = runView(loadtest, index, { ...STUDY_CAPACITY, paymentSlots: phase.group === 'scaling' ? 0 : 1 });
  view.label = phase.title;
  return runCharts({ ...view, id: phase.id }).filter((c) => c.kind !== 'queue');
}

function phaseBlocks(phase: PhaseResult, loadtest: LoadTestResult | undefined, index: number): Block[] {
  if (phase.skipped) return [p(`**${phase.title}**: skipped — ${phase.skipped}.`)];
  const queue = queueChart(phase);
  const stock = phase.group === 'sellout' ? stockChart(phase, SELLOUT.sku, soldOutAt(phase.series)) : undefined;
  const list = [...(stock ? [stock] : []), ...(queue ? [queue] : []), ...loadCharts(phase, loadtest, index)];
  return [
    p(`**Setup.** ${phase.setup}. Wall time ${formatPrecise(phase.wallMs / 1000)} s.`),
    figureTable(phase.figures),
    ...(phase.notes.length ? [p(`Notes: ${phase.notes.join('; ')}.`)] : []),
    ...(list.length ? [charts(list)] : []),
  ];
}

function scalingSection(phases: PhaseResult[], loadtests: Map<string, LoadTestResult>): Section {
  const fig = (phase: PhaseResult, name: string) => phase.figures.find((f) => f.name.startsWith(name));
  const rows = phases.map((phase) => {
    const rate = fig(phase, 'processing rate');
    const depth = fig(phase, 'peak queue depth');
    const drain = fig(phase, 'time to drain');
    return { phase, rate, depth, drain };
  });
  const workers = (phase: PhaseResult) => Number(phase.id.replace('workers-', ''));
  const blocks: Block[] = [
    p(
      'Each worker count gets the same flash sale; payments run N at a time (slots unlimited). The rate is measured while every worker has work, over whole payment times; drains longer than the limit are projected from it.',
    ),
    table({
      header: [
        'workers',
        'processing rate',
        'theory N ÷ L',
        'ratio',
        'peak depth',
        'theory',
        'drain after sale',
        'theory',
        'CPU s',
        'CPU, share of a core',
        'peak RSS',
      ],
      rows: rows.map(({ phase, rate, depth, drain }) => [
        String(workers(phase)),
        value(rate?.measured, '/s'),
        value(rate?.theory, '/s'),
        rate?.measured && rate.theory
          ? `${formatNumber(rate.measured / rate.theory, 3)} ${MARK[rate.verdict ?? 'off']}`
          : '—',
        value(depth?.measured, ''),
        value(depth?.theory, ''),
        `${value(drain?.measured, 's')}${drain?.note?.startsWith('projected') ? ' (projected)' : ''}`,
        value(drain?.theory, 's'),
        value(phase.usage?.cpuS, ''),
        phase.usage ? `${formatPrecise(100 * phase.usage.cpuShareOfCore)} %` : '—',
        value(phase.usage?.peakRssMb, 'MB'),
      ]),
    }),
    charts([
      scalingRateChart(
        rows.map(({ phase, rate }) => ({
          workers: workers(phase),
          rate: rate?.measured ?? null,
          theory: rate?.theory ?? 0,
        })),
      ),
      scalingQueueChart(phases),
    ]),
  ];
  phases.forEach((phase, i) => {
    blocks.push({ kind: 'heading', text: phase.title }, ...phaseBlocks(phase, loadtests.get(phase.id), 10 + i));
  });
  return { id: 'scaling', title: 'Worker scaling', blocks };
}

export function labDocument(
  result: LabResult,
  loadtests: Map<string, LoadTestResult>,
  command: string,
): ReportDocument {
  const byGroup = (group: string) => result.phases.filter((phase) => phase.group === group);
  // The study's deployment has its own section, the seed's table beside the lab's.
  const sections: Section[] = studySections(result.phases, result.paymentLatencyMs);
  const summary = result.phases
    .filter((phase) => !phase.study)
    .flatMap((phase) =>
      phase.figures
        .filter((f) => f.theory !== null || f.seed !== undefined || f.verdict)
        .map((f) => ({ ...f, phase: phase.id })),
    );
  if (summary.length > 0 || sections.length === 0) {
    sections.push({
      id: 'summary',
      title: 'Measured vs theory',
      blocks: [
        p(result.units),
        p(
          '✓ = within what theory or the target allows (rates within 10 %), ✗ = not. The seed column is the study’s own report (two tasks, 30 s runs) or its sister report, for comparison.',
        ),
        figureTable(summary, 'phase'),
      ],
    });
  } else {
    sections.splice(1, 0, { id: 'units', title: 'Units', blocks: [p(result.units)] });
  }
  const simple = (id: string, title: string, phases: PhaseResult[], offset: number) => {
    if (phases.length === 0) return;
    const blocks = phases.flatMap((phase, i) => [
      ...(phases.length > 1 ? [{ kind: 'heading', text: phase.title } as Block] : []),
      ...phaseBlocks(phase, loadtests.get(phase.id), offset + i),
    ]);
    sections.push({ id, title, blocks });
  };
  simple('sync', 'Synchronous checkout', [...byGroup('sync-normal'), ...byGroup('sync-flash')], 1);
  simple('async', 'Asynchronous checkout, one worker', byGroup('async-flash'), 3);
  const scaling = byGroup('scaling');
  if (scaling.length > 0) sections.push(scalingSection(scaling, loadtests));
  for (const phase of byGroup('min-workers')) {
    const probeTable = table({
      header: ['workers', 'queue growth', 'processed', 'waiting at the end', 'kept up'],
      rows: (phase.probes ?? []).map((pr) => [
        String(pr.workers),
        `${formatPrecise(pr.growthPerS)} /s`,
        `${formatPrecise(pr.processedPerS)} /s`,
        formatNumber(pr.endBacklog),
        pr.keptUp ? 'yes' : 'no',
      ]),
    });
    const chart = probeChart(phase);
    sections.push({
      id: 'min-workers',
      title: phase.title,
      blocks: [...phaseBlocks(phase, undefined, 20), probeTable, ...(chart ? [charts([chart])] : [])],
    });
  }
  for (const phase of byGroup('autoscaler')) {
    sections.push({
      id: 'autoscaler',
      title: phase.title,
      blocks: [...phaseBlocks(phase, loadtests.get(phase.id), 21), charts(autoscalerCharts(phase))],
    });
  }
  simple('sellout', 'Limited stock: sold out, never oversold', byGroup('sellout'), 30);
  sections.push({
    id: 'files',
    title: 'Files',
    blocks: [
      p(
        'Per phase: its figures and /stats series (JSON), the series as CSV, and the load generator’s results; `phases/service.log` holds what the services logged.',
      ),
      { kind: 'list', ordered: false, items: result.phases.flatMap((phase) => phase.files.map((f) => `\`${f}\``)) },
    ],
  });
  return {
    title: 'flashsale lab report',
    subtitle: [
      `Made by \`${command}\` on ${result.startedAt.slice(0, 19).replace('T', ' ')} UTC, flashsale ${result.version}; ${formatPrecise(result.wallMs / 1000)} s of wall time.`,
      `Time scale ${result.timeScale}: a ${formatPrecise(result.paymentLatencyMs / 1000)} s payment took ${formatPrecise(result.paymentLatencyMs * result.timeScale)} ms. Figures are in study (unscaled) units.`,
    ],
    sections,
  };
}

/** Writes lab-report.md (+ lab-report-charts/*.svg) and lab-report.html; returns their paths. */
export function writeReports(
  result: LabResult,
  out: string,
  loadtests: Map<string, LoadTestResult>,
  command: string,
): string[] {
  const doc = labDocument(result, loadtests, command);
  const chartDir = join(out, 'lab-report-charts');
  mkdirSync(chartDir, { recursive: true });
  const all = doc.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'charts' ? b.charts : [])));
  for (const chart of all) writeFileSync(join(chartDir, `${chart.id}.svg`), `${chart.svg}\n`);
  const md = join(out, 'lab-report.md');
  const html = join(out, 'lab-report.html');
  writeFileSync(md, renderMarkdown(doc, { chartPath: (chart) => `lab-report-charts/${chart.id}.svg` }));
  writeFileSync(html, renderHtml(doc));
  return [md, html];
}
