/**
 * Locust's CSV files (`--csv PREFIX`): the same file names and column names, so
 * tools written for Locust read flashsale's results. As in Locust, medians and
 * percentiles are whole milliseconds here; the JSON keeps the exact values.
 */
import { writeFile } from 'node:fs/promises';
import { PERCENTILES } from './histogram.js';
import type { LoadTestResult, SeriesPoint, StatsFigures } from './results.js';

export const PERCENTILE_COLUMNS = PERCENTILES.map((p) => `${p}%`);

export const STATS_COLUMNS = [
  'Type',
  'Name',
  'Request Count',
  'Failure Count',
  'Median Response Time',
  'Average Response Time',
  'Min Response Time',
  'Max Response Time',
  'Average Content Size',
  'Requests/s',
  'Failures/s',
  ...PERCENTILE_COLUMNS,
];

export const HISTORY_COLUMNS = [
  'Timestamp',
  'User Count',
  'Type',
  'Name',
  'Requests/s',
  'Failures/s',
  ...PERCENTILE_COLUMNS,
  'Total Request Count',
  'Total Failure Count',
  'Total Median Response Time',
  'Total Average Response Time',
  'Total Min Response Time',
  'Total Max Response Time',
  'Total Average Content Size',
];

export const FAILURES_COLUMNS = ['Method', 'Name', 'Error', 'Occurrences'];
export const EXCEPTIONS_COLUMNS = ['Count', 'Message', 'Traceback', 'Nodes'];

/** The files `writeLocustCsv` writes for a prefix, in Locust's naming. */
export function locustCsvFiles(prefix: string) {
  return {
    stats: `${prefix}_stats.csv`,
    history: `${prefix}_stats_history.csv`,
    failures: `${prefix}_failures.csv`,
    exceptions: `${prefix}_exceptions.csv`,
  };
}

export async function writeLocustCsv(result: LoadTestResult, prefix: string): Promise<string[]> {
  const files = locustCsvFiles(prefix);
  await Promise.all([
    writeFile(files.stats, statsCsv(result)),
    writeFile(files.history, historyCsv(result)),
    writeFile(files.failures, failuresCsv(result)),
    writeFile(files.exceptions, toCsv([EXCEPTIONS_COLUMNS])),
  ]);
  return Object.values(files);
}

export function statsCsv(result: LoadTestResult): string {
  const s = result.summary;
  return toCsv([STATS_COLUMNS, statsRow(s, s.method, s.name), statsRow(s, '', 'Aggregated')]);
}

function statsRow(s: StatsFigures, type: string, name: string): (string | number)[] {
  const empty = s.requests === 0;
  return [
    type,
    name,
    s.requests,
    s.failures,
    Math.round(s.medianMs),
    fixed(s.avgMs),
    fixed(s.minMs),
    fixed(s.maxMs),
    fixed(s.avgContentSize),
    fixed(s.rps),
    fixed(s.failuresPerSec),
    ...PERCENTILES.map((p) => (empty ? 'N/A' : Math.round(s.percentiles[`${p}`]))),
  ];
}

export function historyCsv(result: LoadTestResult): string {
  const start = Date.parse(result.startedAt);
  const bucketSeconds = result.config.timeScale;
  const avgContent = result.summary.avgContentSize;
  const rows = result.series.map((point: SeriesPoint) => {
    const epochSeconds = (start + point.wallMs) / 1000;
    return [
      // Whole seconds as Locust writes them; a scaled run's buckets are shorter, so keep milliseconds.
      result.config.timeScale >= 1 ? Math.round(epochSeconds) : epochSeconds.toFixed(3),
      point.users,
      '',
      'Aggregated',
      fixed(point.requests / bucketSeconds),
      fixed(point.failures / bucketSeconds),
      ...PERCENTILES.map((p) => (point.requests ? Math.round(point.percentiles[`${p}`]) : 'N/A')),
      point.totalRequests,
      point.totalFailures,
      Math.round(point.totalMedianMs),
      fixed(point.totalAvgMs),
      fixed(point.totalMinMs),
      fixed(point.totalMaxMs),
      fixed(avgContent),
    ];
  });
  return toCsv([HISTORY_COLUMNS, ...rows]);
}

export function failuresCsv(result: LoadTestResult): string {
  return toCsv([FAILURES_COLUMNS, ...result.errors.map((e) => [e.method, e.name, e.error, e.occurrences])]);
}

function fixed(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 1000) / 1000) : '0';
}

function toCsv(rows: readonly (readonly (string | number)[])[]): string {
  return rows
    .map((row) => row.map(cell).join(','))
    .join('\r\n')
    .concat('\r\n');
}

function cell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
