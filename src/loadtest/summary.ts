/**
 * The end-of-run summary for the terminal, laid out like Locust's: request
 * statistics, the percentile table, the error report — then the error kinds,
 * the study-unit view of a scaled run, what /stats showed, and the notes.
 */
import { formatMs, formatNumber, formatPrecise, formatRate, textTable } from './format.js';
import { PERCENTILES } from './histogram.js';
import { formatDuration } from './parse.js';
import type { LoadTestConfig, LoadTestResult, StatsFigures } from './results.js';
import { selloutLines } from './sellout.js';
import { studyUnits } from './summary-json.js';
import { thresholdLines } from './thresholds.js';

/** `POST /orders/sync on http://…`, naming every target of a spread run. */
export function describeTarget(config: LoadTestConfig): string {
  const hosts = config.hosts ?? [config.host];
  const where = hosts.length === 1 ? hosts[0] : `${hosts.join(', ')} (round robin)`;
  return `${config.method} ${config.path} on ${where}`;
}

export function describeConfig(config: LoadTestConfig): string {
  const load =
    config.mode === 'closed'
      ? `closed loop: ${config.users} users, spawn ${formatPrecise(config.spawnRate!)}/s, wait ${formatDuration(config.waitMs![0])}–${formatDuration(config.waitMs![1])}`
      : `open loop: ${formatPrecise(config.rate!)} requests/s at fixed times`;
  const buyers = config.payload === 'sellout' ? `, one unit of ${config.sku} per new customer` : '';
  const scale =
    config.timeScale === 1
      ? ''
      : ` · time scale ${config.timeScale} (${config.timeScaleSource === 'server' ? 'from /stats' : 'flag'}): ${formatDuration(config.runTimeMs * config.timeScale)} of wall time`;
  return `${load}${buyers}, run ${formatDuration(config.runTimeMs)}, timeout ${formatDuration(config.timeoutMs)}${scale}`;
}

function failuresCell(s: StatsFigures): string {
  return `${s.failures}(${s.requests ? ((100 * s.failures) / s.requests).toFixed(2) : '0.00'}%)`;
}

/** The summary; `header` adds the run's name and configuration on top (the CLI prints them at the start instead). */
export function formatSummary(result: LoadTestResult, { header = true } = {}): string {
  const { config, summary: s } = result;
  const out: string[] = [];
  if (header) out.push(`${config.label}: ${describeTarget(config)}`, describeConfig(config), '');
  const row = (type: string, name: string) => [
    type,
    name,
    formatNumber(s.requests),
    failuresCell(s),
    formatMs(s.avgMs),
    formatMs(s.minMs),
    formatMs(s.maxMs),
    formatMs(s.medianMs),
    formatRate(s.rps),
    formatRate(s.successesPerSec),
    formatRate(s.failuresPerSec),
  ];
  out.push(
    textTable(
      ['Type', 'Name', '# reqs', '# fails', 'Avg', 'Min', 'Max', 'Med', 'req/s', 'successes/s', 'failures/s'],
      [row(s.method, s.name), row('', 'Aggregated')],
      [0, 1],
    ),
  );
  out.push('');
  out.push('Response time percentiles, ms (exact to 0.01 %, from an HDR histogram)');
  const pRow = (type: string, name: string) => [
    type,
    name,
    ...PERCENTILES.map((p) => formatMs(s.percentiles[`${p}`])),
    formatNumber(s.requests),
  ];
  out.push(
    textTable(
      ['Type', 'Name', ...PERCENTILES.map((p) => `${p}%`), '# reqs'],
      [pRow(s.method, s.name), pRow('', 'Aggregated')],
      [0, 1],
    ),
  );
  out.push('');
  out.push(...errorReport(result));
  const study = studyView(result);
  if (study) out.push('', ...study);
  if (result.targets) {
    const each = result.targets.map(
      (t) => `${t.host} ${formatNumber(t.requests)} (${formatNumber(t.failures)} failed)`,
    );
    out.push('', `Requests per target: ${each.join(' · ')}`);
  }
  if (result.sellout) out.push('', ...selloutLines(result.sellout));
  const server = serverLines(result);
  if (server.length) out.push('', ...server);
  if (result.notes.length) out.push('', ...result.notes.map((n) => `note: ${n}`));
  // Last, where a CI log's reader looks first.
  const thresholds = thresholdLines(result);
  if (thresholds.length) out.push('', ...thresholds);
  return out.join('\n');
}

function errorReport(result: LoadTestResult): string[] {
  const k = result.errorsByKind;
  const kinds = `Failures by kind: timeout ${k.timeout} · HTTP status ${k.http} · connection error ${k.connection}`;
  if (result.errors.length === 0) return ['Error report: no failures', kinds];
  return [
    'Error report',
    textTable(
      ['# occurrences', 'Kind', 'Error'],
      result.errors.map((e) => [formatNumber(e.occurrences), e.kind, `${e.method} ${e.name}: ${e.error}`]),
      [1, 2],
    ),
    kinds,
  ];
}

/** For a scaled run: the key figures in study units (see the README's time-scale rule). */
function studyView(result: LoadTestResult): string[] | undefined {
  const { config } = result;
  if (config.timeScale === 1) return undefined;
  const u = studyUnits(result);
  const clock =
    config.latencyClock === 'simulated'
      ? `response times stand for simulated time (measured ÷ ${config.timeScale})`
      : 'response times are wall time (shown as measured)';
  return [
    `In study units (time scale ${config.timeScale}: ${clock}; rates per study second):`,
    `  avg ${formatMs(u.avgMs)} · median ${formatMs(u.medianMs)} · p95 ${formatMs(u.p95Ms)} · p99 ${formatMs(u.p99Ms)} · max ${formatMs(u.maxMs)} ms`,
    `  ${formatRate(u.rps)} req/s · ${formatRate(u.successesPerSec)} successes/s · ${formatRate(u.failuresPerSec)} failures/s over ${formatDuration(u.durationMs)}`,
  ];
}

const count = (n: number | undefined) => (n === undefined ? '?' : formatNumber(n));

function serverLines(result: LoadTestResult): string[] {
  const lines: string[] = [];
  const samples = result.server?.samples ?? [];
  const last = samples.at(-1);
  if (last) {
    const peak = Math.max(...samples.map((x) => x.queueVisible ?? 0));
    const info = result.server!.info;
    lines.push(
      `Server /stats (${samples.length} readings): queue ${count(last.queueVisible)} visible at the end (peak ${formatNumber(peak)}), ${count(last.queueInFlight)} in flight, ${count(last.deadLetters)} dead letters; workers ${count(last.workers)}; payments ${info.paymentSlots === 0 ? 'unlimited' : count(info.paymentSlots)} slot(s) × ${info.paymentLatencyMs !== undefined ? formatDuration(info.paymentLatencyMs) : '?'}`,
    );
    if (last.orders) {
      lines.push(
        `  orders by status: ${Object.entries(last.orders)
          .map(([k, v]) => `${k} ${formatNumber(v)}`)
          .join(' · ')}`,
      );
    }
  }
  const e2e = result.endToEnd;
  if (e2e) {
    const f = 1 / result.config.timeScale;
    lines.push(
      `Async orders followed to payment: ${e2e.tracked} tracked, ${e2e.completed} paid, ${e2e.failed} failed, ${e2e.unfinished} not finished yet`,
    );
    if (e2e.completed > 0) {
      lines.push(
        `  acceptance → payment: p50 ${formatMs(e2e.p50Ms * f)} · p95 ${formatMs(e2e.p95Ms * f)} · max ${formatMs(e2e.maxMs * f)} ms${f === 1 ? '' : ' (study units)'}`,
      );
    }
  }
  return lines;
}
