/**
 * Small, dependency-free SVG charts, drawn at report time so the page needs no
 * script and no network: line charts, stacked bar charts (histograms) and
 * horizontal stacked bars. Every chart carries `data-chart`, every drawn series
 * `data-series`, so a browser test can check that something was drawn.
 */

export interface ChartFrame {
  /** Kind of chart, written to `data-chart` (success, distribution, latency, throughput, queue). */
  kind: string;
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

export interface LineSeries {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export interface BarStack {
  name: string;
  color: string;
  values: number[];
}

export const COLORS = {
  success: '#2e7d32',
  failure: '#c62828',
  primary: '#1565c0',
  secondary: '#ef6c00',
  tertiary: '#6a1b9a',
  muted: '#78909c',
};

const MARGIN = { top: 34, right: 16, bottom: 42, left: 64 };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** 1, 2, 2.5 or 5 × a power of ten, at least `raw`: a step a reader can count in. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/** Round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) max = min + 1;
  const step = niceStep((max - min) / target);
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

/** 1234 → 1.2k, 0.25 → 0.25, 3000 → 3k. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toFixed(value !== 0 && Math.abs(value) < 1 ? 3 : 1)));
}

interface Plot {
  width: number;
  height: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function open(frame: ChartFrame, plot: Plot): string {
  const { width, height } = plot;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" data-chart="${frame.kind}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
    `<title>${escapeXml(frame.title)}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${plot.x0}" y="16" font-size="13" font-weight="600" fill="#212121">${escapeXml(frame.title)}</text>`,
  ].join('');
}

function axes(
  frame: ChartFrame,
  plot: Plot,
  xTicks: { at: number; label: string }[],
  yTicks: number[],
  yScale: (v: number) => number,
): string {
  const parts: string[] = [];
  for (const v of yTicks) {
    const y = yScale(v);
    parts.push(`<line x1="${plot.x0}" x2="${plot.x1}" y1="${f(y)}" y2="${f(y)}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${plot.x0 - 6}" y="${f(y + 4)}" text-anchor="end" fill="#616161">${compactNumber(v)}</text>`);
  }
  for (const tick of xTicks) {
    parts.push(`<line x1="${f(tick.at)}" x2="${f(tick.at)}" y1="${plot.y0}" y2="${plot.y0 + 4}" stroke="#9e9e9e"/>`);
    parts.push(
      `<text x="${f(tick.at)}" y="${plot.y0 + 16}" text-anchor="middle" fill="#616161">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(`<line x1="${plot.x0}" x2="${plot.x1}" y1="${plot.y0}" y2="${plot.y0}" stroke="#9e9e9e"/>`);
  parts.push(
    `<text x="${(plot.x0 + plot.x1) / 2}" y="${plot.height - 6}" text-anchor="middle" fill="#424242">${escapeXml(frame.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(14 ${(plot.y0 + plot.y1) / 2}) rotate(-90)" text-anchor="middle" fill="#424242">${escapeXml(frame.yLabel)}</text>`,
  );
  return parts.join('');
}

function legend(plot: Plot, items: { name: string; color: string }[]): string {
  let x = plot.x1;
  const parts: string[] = [];
  for (const item of [...items].reverse()) {
    const w = item.name.length * 6.2 + 22;
    x -= w;
    parts.push(`<rect x="${f(x)}" y="8" width="10" height="10" fill="${item.color}"/>`);
    parts.push(`<text x="${f(x + 14)}" y="17" fill="#424242">${escapeXml(item.name)}</text>`);
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

function plotArea(frame: ChartFrame): Plot {
  const width = frame.width ?? 960;
  const height = frame.height ?? 260;
  return { width, height, x0: MARGIN.left, x1: width - MARGIN.right, y0: height - MARGIN.bottom, y1: MARGIN.top };
}

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** A line chart; x and y are numbers, y starts at 0. */
export function lineChart(
  frame: ChartFrame,
  series: LineSeries[],
  xFormat: (x: number) => string = compactNumber,
): string {
  const plot = plotArea(frame);
  const points = series.flatMap((s) => s.points);
  const xs = points.map((p) => p[0]);
  // Time axes start at 0 even when the first reading came a moment later.
  const xMin = Math.min(0, ...xs);
  const xMax = xs.length ? Math.max(...xs) : 1;
  const yTicks = niceTicks(0, Math.max(...points.map((p) => p[1]), 0) || 1);
  const yTop = yTicks.at(-1)!;
  const xTicksRaw = niceTicks(xMin, xMax > xMin ? xMax : xMin + 1, 8).filter(
    (t) => t >= xMin && t <= Math.max(xMax, xMin + 1),
  );
  const xSpan = Math.max(xMax - xMin, 1e-9);
  const xScale = (x: number) => plot.x0 + ((x - xMin) / xSpan) * (plot.x1 - plot.x0);
  const yScale = (y: number) => plot.y0 - (y / yTop) * (plot.y0 - plot.y1);
  const parts = [
    open(frame, plot),
    axes(
      frame,
      plot,
      xTicksRaw.map((t) => ({ at: xScale(t), label: xFormat(t) })),
      yTicks,
      yScale,
    ),
  ];
  for (const s of series) {
    if (s.points.length === 0) continue;
    const d = s.points.map(([x, y], i) => `${i ? 'L' : 'M'}${f(xScale(x))} ${f(yScale(y))}`).join('');
    const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(
      `<path data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round"${dash}/>`,
    );
    if (s.points.length === 1) {
      const [x, y] = s.points[0]!;
      parts.push(`<circle cx="${f(xScale(x))}" cy="${f(yScale(y))}" r="3" fill="${s.color}"/>`);
    }
  }
  parts.push(legend(plot, series), '</svg>');
  return parts.join('');
}

/** Vertical bars per category, each a stack of the given series (a histogram with successes and failures). */
export function stackedBarChart(frame: ChartFrame, categories: string[], stacks: BarStack[]): string {
  const plot = plotArea(frame);
  const totals = categories.map((_, i) => stacks.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const yTicks = niceTicks(0, Math.max(...totals, 0) || 1);
  const yTop = yTicks.at(-1)!;
  const yScale = (y: number) => plot.y0 - (y / yTop) * (plot.y0 - plot.y1);
  const band = (plot.x1 - plot.x0) / Math.max(categories.length, 1);
  const labelEvery = Math.ceil(categories.length / 12);
  const xTicks = categories
    .map((label, i) => ({ at: plot.x0 + band * (i + 0.5), label }))
    .filter((_, i) => i % labelEvery === 0);
  const parts = [open(frame, plot), axes(frame, plot, xTicks, yTicks, yScale)];
  const bars: string[] = [];
  categories.forEach((category, i) => {
    let base = 0;
    for (const s of stacks) {
      const value = s.values[i] ?? 0;
      if (value <= 0) continue;
      const y = yScale(base + value);
      const h = yScale(base) - y;
      bars.push(
        `<rect data-series="${escapeXml(s.name)}" x="${f(plot.x0 + band * i + band * 0.1)}" y="${f(y)}" width="${f(band * 0.8)}" height="${f(Math.max(h, 0.5))}" fill="${s.color}"><title>${escapeXml(`${category}: ${value} ${s.name}`)}</title></rect>`,
      );
      base += value;
    }
  });
  parts.push(...bars, legend(plot, stacks), '</svg>');
  return parts.join('');
}

/** One horizontal bar per row, split into parts (successes and failures per run), labelled with counts and shares. */
export function horizontalStackedBars(
  frame: ChartFrame,
  rows: { label: string; parts: { name: string; color: string; value: number }[] }[],
): string {
  const rowHeight = 30;
  const labelWidth = Math.min(220, Math.max(80, ...rows.map((r) => r.label.length * 6.5 + 10)));
  const width = frame.width ?? 960;
  const height = MARGIN.top + rows.length * rowHeight + 30;
  const plot: Plot = { width, height, x0: labelWidth, x1: width - MARGIN.right, y0: height - 30, y1: MARGIN.top };
  const out = [open({ ...frame, width, height }, plot)];
  rows.forEach((row, r) => {
    const total = row.parts.reduce((sum, p) => sum + p.value, 0) || 1;
    const y = plot.y1 + r * rowHeight + 4;
    out.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end" fill="#212121">${escapeXml(row.label)}</text>`,
    );
    let x = plot.x0;
    for (const part of row.parts) {
      const w = (part.value / total) * (plot.x1 - plot.x0);
      if (w <= 0) continue;
      const share = `${part.value} (${((100 * part.value) / total).toFixed(1)} %)`;
      out.push(
        `<rect data-series="${escapeXml(part.name)}" x="${f(x)}" y="${y}" width="${f(w)}" height="${rowHeight - 8}" fill="${part.color}"><title>${escapeXml(`${row.label}: ${share} ${part.name}`)}</title></rect>`,
      );
      if (w > share.length * 6.5) {
        out.push(`<text x="${f(x + 6)}" y="${y + 15}" fill="#ffffff">${escapeXml(share)}</text>`);
      }
      x += w;
    }
  });
  const names = new Map<string, string>();
  for (const row of rows) for (const part of row.parts) names.set(part.name, part.color);
  out.push(
    legend(
      plot,
      [...names].map(([name, color]) => ({ name, color })),
    ),
  );
  out.push(
    `<text x="${(plot.x0 + plot.x1) / 2}" y="${height - 8}" text-anchor="middle" fill="#424242">${escapeXml(frame.xLabel)}</text>`,
  );
  out.push('</svg>');
  return out.join('');
}
