/**
 * The one source of time. Every *simulated* duration (payment latency,
 * visibility timeout, long-poll wait, backoff) goes through `scale()` or
 * `sleep()`, so a time scale of 0.01 runs the 3-second world 100× faster with
 * the same ratios. Wall-clock readings (`now`) are never scaled.
 */
export interface Clock {
  /** Multiplier applied to simulated durations; 1 = real time. */
  readonly timeScale: number;
  /** Wall-clock milliseconds since the epoch. */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals. */
  monotonic(): number;
  /** Real milliseconds that a simulated duration takes at this scale. */
  scale(simulatedMs: number): number;
  /** Simulated milliseconds that a measured real interval stands for. */
  unscale(realMs: number): number;
  /** Waits a simulated duration; rejects with an AbortError when `signal` aborts. */
  sleep(simulatedMs: number, signal?: AbortSignal): Promise<void>;
  /** Waits a real (unscaled) duration, for housekeeping loops. */
  sleepReal(realMs: number, signal?: AbortSignal): Promise<void>;
}

/** What every clock shares: the time scale and simulated sleeps in terms of real ones. */
export abstract class ClockBase implements Clock {
  constructor(readonly timeScale: number) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`time scale must be a positive number, got ${timeScale}`);
    }
  }

  abstract now(): number;
  abstract monotonic(): number;
  abstract sleepReal(realMs: number, signal?: AbortSignal): Promise<void>;

  scale(simulatedMs: number): number {
    return simulatedMs * this.timeScale;
  }

  unscale(realMs: number): number {
    return realMs / this.timeScale;
  }

  sleep(simulatedMs: number, signal?: AbortSignal): Promise<void> {
    return this.sleepReal(this.scale(simulatedMs), signal);
  }
}

/** Real time: Date.now, performance.now and timers. ManualClock (manual-clock.ts) is the one tests move by hand. */
export class ScaledClock extends ClockBase {
  constructor(timeScale = 1) {
    super(timeScale);
  }

  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  sleepReal(realMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortError(signal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, realMs),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** The error a sleep rejects with when its signal aborts: the signal's reason, or an AbortError. */
export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error) return reason;
  return new DOMException('The operation was aborted', 'AbortError');
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
