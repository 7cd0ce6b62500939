/**
 * Response-time statistics: an HDR histogram of microseconds with four
 * significant digits (every percentile within 0.01 % of the recorded value,
 * where Locust rounds to two digits), plus the exact count, sum, min and max.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
  type JsHistogram,
} from 'hdr-histogram-js';

/** The percentiles Locust reports, in percent. */
export const PERCENTILES = [50, 66, 75, 80, 90, 95, 98, 99, 99.9, 99.99, 100] as const;
export type PercentileKey = `${(typeof PERCENTILES)[number]}`;
export type PercentileTable = Record<PercentileKey, number>;

/** Relative precision of a reported percentile (4 significant digits). */
export const PERCENTILE_PRECISION = 1e-4;

const SIGNIFICANT_DIGITS = 4;
const ONE_HOUR_US = 3_600_000_000;

/** The exact figures kept beside the histogram. */
export interface ExactFigures {
  count: number;
  sumMs: number;
  minMs: number;
  maxMs: number;
}

export class LatencyHistogram {
  private readonly hdr: Histogram;
  count = 0;
  sumMs = 0;
  minMs = Number.POSITIVE_INFINITY;
  maxMs = 0;

  constructor(hdr?: Histogram) {
    this.hdr =
      hdr ??
      build({
        numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
        lowestDiscernibleValue: 1,
        highestTrackableValue: ONE_HOUR_US,
        autoResize: true,
      });
  }

  record(ms: number): void {
    this.count++;
    this.sumMs += ms;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.hdr.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumMs / this.count;
  }

  /** The response time that `p` percent of requests took at most (nearest rank), in ms; 0 when empty. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p >= 100) return this.maxMs;
    const ms = this.hdr.getValueAtPercentile(p) / 1000;
    // The histogram answers with the top of the value's bucket; keep it inside the exact range.
    return Math.min(this.maxMs, Math.max(this.minMs, ms));
  }

  percentiles(): PercentileTable {
    const table = {} as PercentileTable;
    for (const p of PERCENTILES) table[`${p}`] = this.percentile(p);
    return table;
  }

  /** Each distinct recorded value (ms, to the histogram's precision) with its count, in ascending order. */
  *values(): Generator<[number, number]> {
    if (this.count === 0) return;
    const iterator = (this.hdr as unknown as JsHistogram).recordedValuesIterator;
    iterator.reset();
    while (iterator.hasNext()) {
      const step = iterator.next();
      yield [step.valueIteratedTo / 1000, step.countAtValueIteratedTo];
    }
  }

  /** Counts per bucket for the given ascending edges (ms); the last bucket is open-ended. */
  bucketCounts(edges: readonly number[]): number[] {
    const counts = edges.map(() => 0);
    for (const [ms, n] of this.values()) {
      let i = edges.length - 1;
      while (i > 0 && ms < edges[i]!) i--;
      counts[i]! += n;
    }
    return counts;
  }

  exact(): ExactFigures {
    return { count: this.count, sumMs: this.sumMs, minMs: this.count ? this.minMs : 0, maxMs: this.maxMs };
  }

  /** The histogram in HdrHistogram's standard compressed Base64 form (readable by any HDR library). */
  encode(): string {
    return encodeIntoCompressedBase64(this.hdr);
  }

  /** The values of `whole` that are not in `part` (a subset of it), with their exact figures. */
  static difference(whole: LatencyHistogram, part: LatencyHistogram, exact: ExactFigures): LatencyHistogram {
    const hdr = build({
      numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
      lowestDiscernibleValue: 1,
      highestTrackableValue: ONE_HOUR_US,
      autoResize: true,
    });
    hdr.add(whole.hdr);
    hdr.subtract(part.hdr);
    return LatencyHistogram.withExact(new LatencyHistogram(hdr), exact);
  }

  private static withExact(histogram: LatencyHistogram, exact: ExactFigures): LatencyHistogram {
    histogram.count = exact.count;
    histogram.sumMs = exact.sumMs;
    histogram.minMs = exact.count ? exact.minMs : Number.POSITIVE_INFINITY;
    histogram.maxMs = exact.maxMs;
    return histogram;
  }

  static decode(encoded: string, exact: ExactFigures): LatencyHistogram {
    return LatencyHistogram.withExact(new LatencyHistogram(decodeFromCompressedBase64(encoded)), exact);
  }
}

/** Exact nearest-rank percentile of an ascending-sorted array (for the per-second series). */
export function sortedPercentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** All of Locust's percentiles of an ascending-sorted array. */
export function sortedPercentiles(sorted: ArrayLike<number>): PercentileTable {
  const table = {} as PercentileTable;
  for (const p of PERCENTILES) table[`${p}`] = sortedPercentile(sorted, p);
  return table;
}
