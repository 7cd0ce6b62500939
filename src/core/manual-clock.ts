import { abortError, ClockBase } from './clock.js';

interface Sleeper {
  /** Monotonic ms at which it resolves. */
  due: number;
  /** Order of registration: sleeps due at the same instant resolve in the order they began. */
  seq: number;
  resolve: () => void;
}

export interface ManualClockOptions {
  /** Multiplier applied to simulated durations, as ScaledClock's. Default 1. */
  timeScale?: number;
  /** Wall-clock ms that `now()` reads before time first moves. Default 2025-01-01T00:00:00Z. */
  startAt?: number;
}

/**
 * A clock whose time moves only when a test says so: `advance(ms)` or
 * `tick()`. Sleeps resolve in due order as time passes them, each followed by
 * a turn of the event loop so that what wakes can react (and sleep again)
 * before time moves on. Abort signals are honoured as by ScaledClock. Real I/O
 * still runs on its own, so a test waits for the code under test to reach its
 * sleep (`untilSleeping`) before moving time past it.
 */
export class ManualClock extends ClockBase {
  private readonly startAt: number;
  private elapsed = 0;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  private readonly watchers = new Set<() => void>();
  private readonly timeListeners = new Set<(now: number) => void>();

  constructor(options: ManualClockOptions = {}) {
    super(options.timeScale ?? 1);
    this.startAt = options.startAt ?? Date.UTC(2025, 0, 1);
  }

  now(): number {
    return this.startAt + this.elapsed;
  }

  monotonic(): number {
    return this.elapsed;
  }

  sleepReal(realMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    // A zero sleep is due now: it yields a turn of the event loop, as setTimeout(0) does, so a loop that
    // sleeps 0 cannot starve the test that drives the clock.
    if (!(realMs > 0)) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((resolve, reject) => {
      const sleeper: Sleeper = {
        due: this.elapsed + realMs,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.sleepers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      for (const watcher of this.watchers) watcher();
    });
  }

  /** Sleeps not yet resolved or aborted. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Ms until the earliest pending sleep is due; undefined when nothing sleeps. */
  nextDueIn(): number | undefined {
    const next = this.sleepers[0];
    return next === undefined ? undefined : next.due - this.elapsed;
  }

  /** Resolves once at least `count` sleeps are pending; rejects after `timeoutMs` real ms. */
  untilSleeping(count = 1, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.sleepers.length >= count, timeoutMs, `${count} sleep(s)`);
  }

  /** Resolves once a sleep due exactly `ms` from now is pending (a grace period, a backoff delay). */
  untilSleepingFor(ms: number, timeoutMs = 5000): Promise<void> {
    const due = this.elapsed + ms;
    return this.until(() => this.sleepers.some((s) => s.due === due), timeoutMs, `a sleep of ${ms} ms`);
  }

  private until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; ${this.sleepers.length} pending`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.watchers.delete(check);
      };
      this.watchers.add(check);
    });
  }

  /** Moves time forward by `ms`, resolving every sleep due on the way in due order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`time only moves forward, got ${ms} ms`);
    const target = this.elapsed + ms;
    for (let next = this.sleepers[0]; next !== undefined && next.due <= target; next = this.sleepers[0]) {
      await this.fireDue(next.due);
    }
    this.moveTo(target);
    await turn();
  }

  /** Moves time to the earliest pending sleep and resolves it; resolves to the ms moved (0 when nothing sleeps). */
  async tick(): Promise<number> {
    const next = this.sleepers[0];
    if (next === undefined) return 0;
    const moved = next.due - this.elapsed;
    await this.fireDue(next.due);
    return moved;
  }

  /** Calls `listener` with `now()` whenever time moves (e.g. to move a mocked Date along); returns the unsubscribe. */
  onTime(listener: (now: number) => void): () => void {
    this.timeListeners.add(listener);
    return () => this.timeListeners.delete(listener);
  }

  private async fireDue(due: number): Promise<void> {
    this.moveTo(due);
    const fired = this.sleepers.filter((s) => s.due <= due);
    this.sleepers = this.sleepers.filter((s) => s.due > due);
    for (const sleeper of fired) sleeper.resolve();
    await turn();
  }

  private moveTo(elapsed: number): void {
    if (elapsed === this.elapsed) return;
    this.elapsed = elapsed;
    for (const listener of this.timeListeners) listener(this.now());
  }
}

/** One turn of the event loop: every promise continuation queued so far runs. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
