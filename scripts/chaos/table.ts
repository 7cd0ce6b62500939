import type { ChaosReport } from './run.js';
import type { ChaosRow } from './verdict.js';

const HEADERS = [
  'fault',
  '202s during',
  '5xx ≠ 503',
  'no answer',
  'lost',
  'charged twice',
  'stuck',
  'died',
  'unhandled rejections',
  'failed',
  'recover s',
] as const;

function cells(row: ChaosRow): string[] {
  const r = row.recovery;
  return [
    row.label,
    `${row.during.accepted}/${row.during.requests}`,
    String(row.serverErrors),
    String(row.noAnswer),
    String(row.lost),
    String(row.chargedTwice + row.chargeMismatch > 0 ? `${row.chargedTwice} (+${row.chargeMismatch} mismatch)` : 0),
    String(row.stuck),
    row.died.length === 0 ? '0' : `${row.died.length} (${[...new Set(row.died.map((d) => d.name))].join(', ')})`,
    row.unhandledRejections === null ? '?' : String(row.unhandledRejections),
    String(row.failed),
    r.seconds === null ? '–' : r.seconds.toFixed(1),
  ];
}

/** The chaos table as Markdown, then the details behind every non-zero figure. */
export function formatReport(report: ChaosReport): string {
  const rows = report.rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const out = [
    line(HEADERS),
    `|${widths.map((w, i) => (i === 0 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`,
    ...rows.map(line),
    '',
    `${report.accepted} orders accepted; ${report.ledgerDuplicates} orders charged twice in the whole ledger; ` +
      `${report.deadLetters} dead letters` +
      (report.skipped > 0 ? `; ${report.skipped} requests not sent (too many in flight)` : ''),
    stockLine(report.stock),
  ];
  const baseline = report.rows.find((row) => row.fault === 'none');
  if (baseline && (baseline.stuck > 0 || baseline.noAnswer > 0)) {
    out.push(
      '',
      'The steady load alone was not kept up with (row "none"): the machine is too busy, or the rate too high',
      'for these settings, so the other rows measure overload as much as faults.',
    );
  }
  for (const row of report.rows) {
    const notes: string[] = [];
    notes.push(...row.serverErrorSamples.map((s) => `5xx: ${s}`));
    notes.push(...row.noAnswerSamples.map((s) => `no answer: ${s}`));
    if (row.stuck > 0) notes.push(`stuck: ${row.stuckDetail.join('; ')}`);
    if (row.chargeMismatch > 0) notes.push(`${row.chargeMismatch} orders whose status disagrees with the ledger`);
    // The same death in several processes is shown once (ports aside, their stacks are equal).
    const alike = new Map<string, { names: string[]; exit: number | string; tail: string }>();
    for (const death of row.died) {
      const key = `${death.exit} ${death.tail.replace(/:\d{2,5}\b/g, '')}`;
      const group = alike.get(key) ?? { names: [], exit: death.exit, tail: death.tail };
      group.names.push(death.name);
      alike.set(key, group);
    }
    for (const { names, exit, tail } of alike.values()) {
      notes.push(`${names.join(', ')} exited (${exit}); last lines:\n${indent(tail, '      ')}`);
    }
    if (notes.length > 0) out.push('', `${row.label} (${row.note}):`, ...notes.map((n) => `  - ${n}`));
  }
  out.push('', `process logs: ${report.logDir}`, report.failed ? 'FAILED' : 'passed');
  return out.join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

/** The stock audit's verdict in one line (and its first drifts). */
function stockLine(stock: ChaosReport['stock']): string {
  if (!stock) return 'stock audit: no api answered GET /admin/products/audit';
  if (stock.clean)
    return `stock audit: clean (${stock.orders} orders' units recomputed: initial = available + reserved + sold)`;
  return `stock audit: DRIFT — ${stock.drift.slice(0, 5).join('; ')}${stock.drift.length > 5 ? ' …' : ''}`;
}
