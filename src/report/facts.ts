/** Facts derived from run views that the prose sections state: phrases, periods, pairs, peaks. */
import { formatMs, formatPercent, formatPrecise, formatRate } from '../loadtest/format.js';
import type { RunView } from './view.js';

export const SCENARIO_TITLES: Record<string, string> = {
  normal: 'normal operations',
  flash: 'flash sale',
  'flash-60': 'flash sale at 60 orders/s',
};

export function scenarioTitle(run: RunView): string {
  return SCENARIO_TITLES[run.scenario] ?? run.scenario;
}

export function endpointTitle(run: RunView): string {
  if (run.kind === 'sync') return 'synchronous checkout';
  if (run.kind === 'async') return 'asynchronous checkout';
  return `\`${run.path}\``;
}

/** "5 concurrent users (spawned at 1/s, 100–500 ms between requests)" or "60 requests/s at fixed times". */
export function loadPhrase(run: RunView): string {
  const c = run.result.config;
  if (c.mode === 'open') return `${formatPrecise(c.rate!)} requests/s at fixed times`;
  return `${c.users} concurrent users, spawned at ${formatPrecise(c.spawnRate!)}/s, ${formatPrecise(c.waitMs![0])}–${formatPrecise(c.waitMs![1])} ms between requests`;
}

/** Seconds for prose: "6.1 s", or "47 ms" below a second. */
export function duration(ms: number): string {
  return ms >= 1000 ? `${formatPrecise(Math.round(ms / 100) / 10)} s` : `${formatMs(ms)} ms`;
}

export function percent(ratio: number): string {
  return formatPercent(ratio);
}

/** "a" or "an" before a figure as it is read aloud: an 8, an 80, an 11.2, an 18 — but a 1.5, a 110. */
export function article(text: string): 'a' | 'an' {
  return /^8/.test(text) || /^1[18](?!\d)/.test(text) ? 'an' : 'a';
}

export function perSecond(value: number): string {
  return `${formatRate(value)}/s`;
}

/** The failure kind most failures had, with its share of the failures. */
export function dominantFailure(run: RunView): { kind: 'timeout' | 'http' | 'connection'; share: number } | undefined {
  if (run.failures === 0) return undefined;
  const k = run.result.errorsByKind;
  const kind = (['timeout', 'http', 'connection'] as const).reduce((a, b) => (k[b] > k[a] ? b : a));
  return { kind, share: k[kind] / run.failures };
}

export const KIND_WORDS = { timeout: 'client timeouts', http: 'HTTP error statuses', connection: 'connection errors' };

export interface Period {
  name: string;
  fromS: number;
  toS: number;
  requests: number;
  failureShare: number;
  /** Request-weighted mean of the per-second medians, ms. */
  typicalMs: number;
}

/** The run split in three periods (early, middle, late), as the seed describes its queue build-up. */
export function periods(run: RunView): Period[] {
  const span = Math.max(run.durationS, run.series.length);
  const cut = [0, span / 3, (2 * span) / 3, Number.POSITIVE_INFINITY];
  return ['early', 'middle', 'late'].map((name, i) => {
    const points = run.series.filter((p) => p.t >= cut[i]! && p.t < cut[i + 1]!);
    const requests = points.reduce((s, p) => s + p.rps, 0);
    const failures = points.reduce((s, p) => s + p.failuresPerS, 0);
    const weighted = points.reduce((s, p) => s + p.p50Ms * p.rps, 0);
    return {
      name,
      fromS: cut[i]!,
      toS: Math.min(cut[i + 1]!, span),
      requests,
      failureShare: requests ? failures / requests : 0,
      typicalMs: requests ? weighted / requests : 0,
    };
  });
}

/** First second in which failures outnumbered successes, if any. */
export function failureTakeover(run: RunView): number | undefined {
  return run.series.find((p) => p.failuresPerS > 0 && p.failuresPerS > p.successesPerS)?.t;
}

export function queuePeak(run: RunView): { peak: number; atS: number; first: number; last: number } | undefined {
  const samples = run.queue.filter((q) => q.visible !== undefined);
  if (samples.length === 0) return undefined;
  const top = samples.reduce((a, b) => (b.visible! > a.visible! ? b : a));
  return { peak: top.visible!, atS: top.t, first: samples[0]!.visible!, last: samples.at(-1)!.visible! };
}

/** Growth of the visible queue over the run, messages per study second (least squares). */
export function queueGrowth(run: RunView): number | undefined {
  const samples = run.queue.filter((q) => q.visible !== undefined && q.t <= run.durationS);
  if (samples.length < 3) return undefined;
  const n = samples.length;
  const mx = samples.reduce((s, q) => s + q.t, 0) / n;
  const my = samples.reduce((s, q) => s + q.visible!, 0) / n;
  const sxx = samples.reduce((s, q) => s + (q.t - mx) ** 2, 0);
  const sxy = samples.reduce((s, q) => s + (q.t - mx) * (q.visible! - my), 0);
  return sxx > 0 ? sxy / sxx : undefined;
}

/** Pairs of runs to compare: normal vs flash on one endpoint, sync vs async in one scenario. */
export function comparisonPairs(runs: RunView[]): {
  normalVsFlash: [RunView, RunView][];
  syncVsAsync: [RunView, RunView][];
} {
  const normalVsFlash: [RunView, RunView][] = [];
  for (const path of new Set(runs.map((r) => r.path))) {
    const normal = runs.find((r) => r.path === path && r.scenario === 'normal');
    const flash = runs.find((r) => r.path === path && r.scenario.startsWith('flash'));
    if (normal && flash) normalVsFlash.push([normal, flash]);
  }
  const syncVsAsync: [RunView, RunView][] = [];
  for (const scenario of new Set(runs.map((r) => r.scenario))) {
    const sync = runs.find((r) => r.scenario === scenario && r.kind === 'sync');
    const async = runs.find((r) => r.scenario === scenario && r.kind === 'async');
    if (sync && async) syncVsAsync.push([sync, async]);
  }
  return { normalVsFlash, syncVsAsync };
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
