export interface BackoffOptions {
  /** Real ms the first retry waits at most; each failure in a row doubles it. */
  baseMs: number;
  /** Real ms no retry waits longer than, however long the failures last. */
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: the n-th retry in a row waits a
 * uniformly random time in [0, min(maxMs, baseMs × 2ⁿ)]. The randomness keeps
 * the processes that lost a dependency together from hammering it together
 * when it returns; the bound keeps a long outage from delaying the recovery.
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    /** Uniform in [0, 1); tests pass a fixed one. */
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.baseMs > 0) || !(options.maxMs >= options.baseMs)) {
      throw new RangeError(`backoff needs 0 < baseMs ≤ maxMs, got ${options.baseMs} and ${options.maxMs}`);
    }
  }

  /** Failures in a row since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** The longest the next delay may be. */
  ceiling(): number {
    // 2^30 × any sensible base is past every cap: the exponent stops growing there.
    return Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
  }

  /** Real ms to wait before the next try; counts one more failure. */
  next(): number {
    const delay = Math.round(this.random() * this.ceiling());
    this.failures++;
    return delay;
  }

  /** A try succeeded: the next failure starts from baseMs again. */
  reset(): void {
    this.failures = 0;
  }
}
