import type { Clock } from './clock.js';

/**
 * Events per real ms over a sliding window, in constant memory: the window is
 * cut into buckets, and a bucket that falls out of it is cleared as time
 * moves. Before the window has filled, the rate is over the time since start.
 */
export class RateMeter {
  private readonly counts: Float64Array;
  private readonly bucketMs: number;
  private readonly startedAt: number;
  /** Bucket number (from start) of the newest bucket. */
  private newest = 0;

  constructor(
    private readonly clock: Clock,
    /** Real ms the rate is measured over. */
    windowMs: number,
    buckets = 30,
  ) {
    this.counts = new Float64Array(buckets);
    this.bucketMs = Math.max(windowMs, 1) / buckets;
    this.startedAt = clock.monotonic();
  }

  mark(count = 1): void {
    this.advance();
    const slot = this.newest % this.counts.length;
    this.counts[slot] = (this.counts[slot] ?? 0) + count;
  }

  /** Events per real ms in the window; undefined when none happened in it. */
  perMs(): number | undefined {
    const elapsed = this.advance();
    let sum = 0;
    for (const count of this.counts) sum += count;
    if (sum === 0) return undefined;
    const covered = (this.counts.length - 1) * this.bucketMs + (elapsed - this.newest * this.bucketMs);
    return sum / Math.max(Math.min(elapsed, covered), 1e-3);
  }

  /** Clears the buckets time has left behind; returns the real ms since start. */
  private advance(): number {
    const elapsed = this.clock.monotonic() - this.startedAt;
    const bucket = Math.floor(elapsed / this.bucketMs);
    const stale = Math.min(bucket - this.newest, this.counts.length);
    for (let i = 1; i <= stale; i++) this.counts[(this.newest + i) % this.counts.length] = 0;
    if (bucket > this.newest) this.newest = bucket;
    return elapsed;
  }
}
