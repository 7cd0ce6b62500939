/** Number formatting shared by the terminal summary, the analysis table and the report. */

/** 1234567.8 → "1,234,568"; small numbers keep `digits` decimals. */
export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds for a table: whole ms from 100 ms up, one decimal from 10 ms, two below. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 100) return formatNumber(ms, 0);
  if (ms >= 10) return formatNumber(ms, 1);
  return formatNumber(ms, 2);
}

/** A rate or other figure with sensible precision: 0.333, 1.52, 60.0, 1,200. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 100) return formatNumber(value, 0);
  if (abs >= 10) return formatNumber(value, 1);
  if (abs >= 1) return formatNumber(value, 2);
  return formatNumber(value, 3);
}

/** 0.8667 → "86.7 %". */
export function formatPercent(ratio: number, digits = 1): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${formatNumber(ratio * 100, digits)} %`;
}

/** A figure with up to three decimals and no trailing zeros: 0.333, 59.667, 20, 1,200. */
export function formatPrecise(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** Seconds for humans: 45 s, 12.5 min, 1 h, 7.458 days. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '∞ (never)';
  if (seconds < 120) return `${formatPrecise(seconds)} s`;
  if (seconds < 3600) return `${formatPrecise(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${formatPrecise(seconds / 3600)} h`;
  return `${formatPrecise(seconds / 86400)} days (${formatPrecise(seconds / 3600)} h)`;
}

/** Right-aligned text columns with a header, for the terminal. */
export function textTable(header: string[], rows: string[][], alignLeft: number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (alignLeft.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
