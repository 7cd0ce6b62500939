import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Command } from 'commander';
import { ParseError, parseDuration, parseNumber } from '../config/parse.js';
import { UsageError } from '../loadtest/parse.js';
import { type LoadTestResult, RESULTS_SCHEMA, readResultsJson } from '../loadtest/results.js';
import { type WriteReportOptions, writeReport } from '../report/index.js';

export interface ReportFlags {
  out?: string;
  title?: string;
  orderValue: string;
  ordersPerHour: string;
  salesPerDay: string;
  salesPerYear: string;
  paymentLatency: string;
  paymentSlots: string;
  workers: string;
  format: string;
}

/** Reads the results named on the command line: JSON files, or folders of them (in start order). */
export async function loadResults(paths: string[]): Promise<{ results: LoadTestResult[]; files: string[] }> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new UsageError(`${path}: no such file or folder`);
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const found = (await readdir(path)).filter((name) => name.endsWith('.json')).map((name) => join(path, name));
    const results = [];
    for (const file of found) {
      const result = await readResultsJson(file).catch(() => undefined);
      if (result) results.push({ file, startedAt: result.startedAt });
    }
    if (results.length === 0)
      throw new UsageError(`${path}: no flashsale loadtest results (*.json, schema ${RESULTS_SCHEMA}) in it`);
    files.push(...results.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).map((r) => r.file));
  }
  const results = [];
  for (const file of files) results.push(await readResultsJson(file));
  return { results, files };
}

export function reportOptionsFromFlags(flags: ReportFlags, firstFile: string): WriteReportOptions {
  const formats = flags.format.split(',').map((f) => f.trim());
  for (const f of formats) {
    if (f !== 'md' && f !== 'html') throw new UsageError(`--format: expected md, html or md,html, got "${f}"`);
  }
  return {
    out: flags.out ?? join(dirname(firstFile), 'report'),
    ...(flags.title ? { title: flags.title } : {}),
    formats: formats as ('md' | 'html')[],
    business: {
      orderValue: parseNumber(flags.orderValue, { min: 0, flag: '--order-value' }),
      ordersPerSaleHour: parseNumber(flags.ordersPerHour, { min: 0, flag: '--orders-per-hour' }),
      salesPerDay: parseNumber(flags.salesPerDay, { min: 0, flag: '--sales-per-day' }),
      salesPerYear: parseNumber(flags.salesPerYear, { min: 0, flag: '--sales-per-year' }),
    },
    capacity: {
      paymentLatencyMs: parseDuration(flags.paymentLatency, { flag: '--payment-latency' }),
      paymentSlots: parseNumber(flags.paymentSlots, { integer: true, min: 0, flag: '--payment-slots' }),
      workers: parseNumber(flags.workers, { integer: true, min: 0, flag: '--workers' }),
    },
  };
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write a Markdown report and a self-contained HTML page (inline SVG charts) from loadtest results')
    .argument('<results...>', 'results JSON files written by flashsale loadtest, or folders of them')
    .option(
      '-o, --out <prefix>',
      'writes PREFIX.md, PREFIX.html and PREFIX-charts/ (default: report beside the first result)',
    )
    .option('--title <text>', 'heading of the report')
    .option('--order-value <dollars>', 'average order value for the business impact', '50')
    .option('--orders-per-hour <n>', 'orders expected per flash-sale hour', '1800')
    .option('--sales-per-day <n>', 'flash sales per day', '4')
    .option('--sales-per-year <n>', 'flash sales per year', '48')
    .option(
      '--payment-latency <duration>',
      'time per payment (3s, 3000ms; a bare number is ms), for runs whose results carry no server /stats',
      '3s',
    )
    .option('--payment-slots <n>', 'payments at once (0 = unlimited), for runs without /stats', '1')
    .option('--workers <n>', 'processor workers (0 = unlimited), for async runs without /stats', '1')
    .option('--format <list>', 'md, html or md,html', 'md,html')
    .addHelpText(
      'after',
      `
Examples:
  flashsale report results/                              every run in the folder
  flashsale report results/normal-sync-*.json results/flash-sync-*.json -o results/phase1
  flashsale report results/ --order-value 80 --sales-per-year 12

Two runs of one endpoint named normal and flash are compared like the seed's
"Normal Operations vs Flash Sale" table; a sync and an async run of one scenario
get a "sync vs async" table with the improvement for each metric.`,
    )
    .action(async (paths: string[], flags: ReportFlags) => {
      try {
        const { results, files } = await loadResults(paths);
        const written = await writeReport(results, reportOptionsFromFlags(flags, files[0]!));
        const outputs = [written.markdownFile, written.htmlFile].filter(Boolean).join(', ');
        process.stdout.write(
          `Report on ${results.length} run(s): ${outputs}${written.chartFiles.length ? ` (+ ${written.chartFiles.length} SVG charts)` : ''}\n`,
        );
      } catch (error) {
        if (error instanceof UsageError || error instanceof ParseError) {
          process.stderr.write(`flashsale report: ${error.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw error;
      }
    });
}
