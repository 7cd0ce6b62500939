/**
 * The report's programmatic API (used by `flashsale report` and the lab):
 *
 *   const { markdownFile, htmlFile } = await writeReport(results, { out: 'results/report' });
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LoadTestResult } from '../loadtest/results.js';
import { type BuiltReport, buildReport, type ReportOptions } from './build.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

export { type BuiltReport, buildReport, type ReportOptions } from './build.js';
export { type BusinessAssumptions, businessImpact, SEED_BUSINESS } from './business.js';
export type { Chart } from './charts.js';
export type { Block, ReportDocument, Section, Table } from './document.js';
export { renderHtml } from './html.js';
export { renderMarkdown } from './markdown.js';
export { type CapacityAssumption, type RunView, STUDY_CAPACITY } from './view.js';

export interface WriteReportOptions extends ReportOptions {
  /** Path prefix of the files: writes `<out>.md`, `<out>.html` and the charts in `<out>-charts/`. Default `report`. */
  out?: string;
  /** Which files to write. Default both. */
  formats?: ('md' | 'html')[];
}

export interface WrittenReport {
  report: BuiltReport;
  markdownFile?: string;
  htmlFile?: string;
  chartFiles: string[];
}

export async function writeReport(results: LoadTestResult[], options: WriteReportOptions = {}): Promise<WrittenReport> {
  const out = options.out ?? 'report';
  const formats = options.formats ?? ['md', 'html'];
  const report = buildReport(results, options);
  await mkdir(dirname(out), { recursive: true });
  const written: WrittenReport = { report, chartFiles: [] };
  if (formats.includes('md')) {
    // Markdown viewers show SVG files, not inline SVG: the charts go beside the file.
    const chartDir = `${out}-charts`;
    await mkdir(chartDir, { recursive: true });
    for (const chart of report.charts) {
      const file = join(chartDir, `${chart.id}.svg`);
      await writeFile(file, `${chart.svg}\n`);
      written.chartFiles.push(file);
    }
    written.markdownFile = `${out}.md`;
    const relative = basename(chartDir);
    await writeFile(
      written.markdownFile,
      renderMarkdown(report.document, { chartPath: (chart) => `${relative}/${chart.id}.svg` }),
    );
  }
  if (formats.includes('html')) {
    written.htmlFile = `${out}.html`;
    await writeFile(written.htmlFile, renderHtml(report.document));
  }
  return written;
}
