/** Figures read off a phase's /stats series. Times are simulated (study) seconds. */
import type { QueuePoint } from './stats-sampler.js';

/** Least-squares slope of y over x; 0 with fewer than two distinct x. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function backlog(point: QueuePoint): number {
  return point.visible + point.inFlight;
}

export interface RateMeasurement {
  /** Orders completed per second while every worker had work. */
  rate: number;
  /** Completions the rate was measured over, and the window, seconds. */
  completions: number;
  fromS: number;
  toS: number;
}

function done(p: QueuePoint): number {
  return p.completed + p.failed;
}

/** Completions by time `t`, interpolated between the readings around it. */
function doneAt(series: readonly QueuePoint[], t: number): number {
  const after = series.findIndex((p) => p.t >= t);
  if (after <= 0) return after === 0 ? done(series[0]!) : done(series.at(-1)!);
  const a = series[after - 1]!;
  const b = series[after]!;
  return done(a) + ((done(b) - done(a)) * (t - a.t)) / (b.t - a.t);
}

/**
 * Processing rate while the workers were saturated (a message waited in the
 * queue). N busy workers each finish exactly once per payment time, but their
 * finishes bunch up (they started together), so the count is taken over a
 * whole number of payment times from just before the first finish: then it
 * does not depend on where in the bunching the window ends.
 */
export function saturatedRate(series: readonly QueuePoint[], paymentS: number): RateMeasurement | undefined {
  let start: QueuePoint | undefined;
  let lastSaturated: QueuePoint | undefined;
  for (let i = 1; i < series.length; i++) {
    const prev = series[i - 1]!;
    const point = series[i]!;
    // Saturated: something was still waiting when this finish was seen.
    if (done(point) > done(prev) && prev.visible > 0) {
      start ??= prev;
      lastSaturated = point;
    }
  }
  if (!start || !lastSaturated) return undefined;
  const periods = Math.floor((lastSaturated.t - start.t) / paymentS);
  if (periods < 1) return undefined;
  const toS = start.t + periods * paymentS;
  const completions = doneAt(series, toS) - done(start);
  return { rate: completions / (toS - start.t), completions: Math.round(completions), fromS: start.t, toS };
}

/** The first reading at or after `fromS` with nothing waiting or being paid. */
export function emptyAt(series: readonly QueuePoint[], fromS: number, minDone: number): QueuePoint | undefined {
  return series.find((p) => p.t >= fromS && backlog(p) === 0 && p.completed + p.failed >= minDone);
}

/** Growth of the waiting messages per second over [fromS, toS]. */
export function queueGrowth(series: readonly QueuePoint[], fromS: number, toS: number): number {
  return slope(series.filter((p) => p.t >= fromS && p.t <= toS).map((p) => ({ x: p.t, y: p.visible })));
}

export function peak(series: readonly QueuePoint[], value: (p: QueuePoint) => number): number {
  return series.reduce((max, p) => Math.max(max, value(p)), 0);
}
