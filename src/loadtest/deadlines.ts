/**
 * Request timeouts with one timer. Every request of a run has the same timeout
 * and requests are sent in time order, so their deadlines are already sorted:
 * a FIFO of requests in flight and a single timer armed for the oldest
 * deadline replace one timer per request.
 */

export interface Expirable {
  /** Set once the request has an outcome (answer, error, timeout, cancel). */
  readonly settled: boolean;
  /** `performance.now()` ms after which the request has timed out. */
  readonly deadline: number;
  /** Called when the deadline passes first; must settle the request. */
  expire(now: number): void;
}

export class DeadlineQueue<T extends Expirable> {
  private readonly fifo: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Adds a request just sent (its deadline is the latest so far). */
  add(request: T): void {
    this.fifo.push(request);
    if (!this.timer) this.arm(this.timeoutMs);
  }

  /** Drops settled requests from the head; call after a request settles. */
  compact(): void {
    while (this.head < this.fifo.length && this.fifo[this.head]!.settled) this.head++;
    if (this.head > 4096 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(delayMs)));
  }

  private readonly onTimer = (): void => {
    // `timer` stays set while expiring, so a request sent from a callback does not arm a second timer.
    const now = performance.now();
    while (this.head < this.fifo.length) {
      const request = this.fifo[this.head]!;
      if (request.settled) this.head++;
      else if (request.deadline > now) break;
      else request.expire(now);
    }
    this.timer = undefined;
    if (this.head < this.fifo.length) this.arm(this.fifo[this.head]!.deadline - now);
    else {
      this.fifo.length = 0;
      this.head = 0;
    }
  };

  /** Empties the queue; returns the requests not settled yet. */
  drain(): T[] {
    const open = this.fifo.slice(this.head).filter((r) => !r.settled);
    this.fifo.length = 0;
    this.head = 0;
    return open;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
