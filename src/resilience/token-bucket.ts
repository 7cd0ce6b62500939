import type { Clock } from '../core/clock.js';

/** Defaults and variables: the settings table (rateLimit.*). */
export interface TokenBucketOptions {
  /** Tokens added per simulated second. */
  perSecond: number;
  /** Most tokens a bucket holds (the burst a client may send at once). */
  burst: number;
  /** Most clients tracked; the least recently seen are forgotten first. */
  maxKeys: number;
}

export type TakeResult = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * One token bucket per client key, refilled lazily from the clock on each
 * request (no timers). Time is simulated, like every other duration, so a
 * limit keeps its meaning at any time scale. Forgetting a client is safe: a
 * forgotten bucket is a full one.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private limited = 0;

  constructor(
    private readonly deps: { clock: Clock },
    options: TokenBucketOptions,
  ) {
    if (!(options.perSecond > 0)) throw new RangeError(`perSecond must be > 0, got ${options.perSecond}`);
    this.perMs = options.perSecond / 1000;
    this.burst = options.burst;
    this.maxKeys = options.maxKeys;
  }

  /** Takes one token for `key`; when there is none, says how long (simulated ms) until there is. */
  take(key: string): TakeResult {
    const now = this.deps.clock.unscale(this.deps.clock.monotonic());
    const found = this.buckets.get(key);
    const bucket = found ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    // Re-inserting keeps the Map in least-recently-seen order for eviction.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, remaining: Math.floor(bucket.tokens) };
    }
    this.limited++;
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) / this.perMs) };
  }

  snapshot() {
    return { per_second: this.perMs * 1000, burst: this.burst, clients: this.buckets.size, limited: this.limited };
  }
}
