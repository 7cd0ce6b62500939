import { request } from 'undici';

/** One /stats reading during a phase; `t` in simulated (study) seconds since the phase started. */
export interface QueuePoint {
  t: number;
  visible: number;
  inFlight: number;
  deadLetters: number;
  workers: number;
  busy: number;
  paymentsInFlight: number;
  /** Payments waiting for a provider slot: the synchronous checkout's queue. */
  paymentsWaiting: number;
  accepted: number;
  completed: number;
  failed: number;
  /** /stats.stock: units of each catalog sku; absent when the service has no product. */
  stock?: Record<string, StockPoint>;
}

/** One sku's units at a reading. */
export interface StockPoint {
  initial: number;
  available: number;
  reserved: number;
  sold: number;
}

/** The stock section of a /stats answer, or undefined when it lists no sku. */
export function stockOf(stats: Record<string, unknown>): Record<string, StockPoint> | undefined {
  const out: Record<string, StockPoint> = {};
  for (const [sku, value] of Object.entries(part(stats, 'stock'))) {
    const u = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    out[sku] = { initial: num(u.initial), available: num(u.available), reserved: num(u.reserved), sold: num(u.sold) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export interface StatsSamplerOptions {
  /** Time scale of the service: wall ms × (1 / scale) = simulated ms. */
  timeScale: number;
  /** Real ms between readings. Default 50. */
  intervalMs?: number;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function part(stats: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = stats[key];
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Reads /stats one snapshot at a time. */
export async function readStats(url: string): Promise<Record<string, unknown>> {
  const response = await request(`${url}/stats`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`GET /stats answered ${response.statusCode}`);
  }
  return (await response.body.json()) as Record<string, unknown>;
}

/**
 * Reads a phase's /stats from its start until stopped, through the load and
 * the drain after it: the queue-depth series the report charts, and the
 * completion counter the processing rate is measured from.
 */
export class StatsSampler {
  readonly points: QueuePoint[] = [];
  private readonly intervalMs: number;
  private readonly startedAt = performance.now();
  private timer?: NodeJS.Timeout;
  private busy = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly opts: StatsSamplerOptions,
  ) {
    this.intervalMs = opts.intervalMs ?? 50;
  }

  /** Simulated seconds since the sampler was created. */
  now(): number {
    return (performance.now() - this.startedAt) / 1000 / this.opts.timeScale;
  }

  get latest(): QueuePoint | undefined {
    return this.points.at(-1);
  }

  start(): this {
    this.timer = setInterval(() => void this.read(), this.intervalMs);
    void this.read();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.read(true);
  }

  /** Resolves with the first reading that satisfies `check`, or undefined after `timeoutMs` real ms. */
  async waitFor(check: (point: QueuePoint) => boolean, timeoutMs: number): Promise<QueuePoint | undefined> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const last = this.latest;
      if (last && check(last)) return last;
      if (performance.now() >= deadline) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - performance.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private async read(force = false): Promise<void> {
    // One reading at a time: a slow answer must not stack requests on the server.
    if (this.busy && !force) return;
    this.busy = true;
    try {
      const stats = await readStats(this.url);
      const queue = part(stats, 'queue');
      const workers = part(stats, 'workers');
      const payments = part(stats, 'payments');
      const accepted = part(stats, 'accepted');
      const processed = part(stats, 'processed');
      const stock = stockOf(stats);
      this.points.push({
        t: Math.round(this.now() * 1000) / 1000,
        visible: num(queue.visible),
        inFlight: num(queue.in_flight),
        deadLetters: num(queue.dead_letters),
        workers: num(workers.target),
        busy: num(workers.busy),
        paymentsInFlight: num(payments.in_flight),
        paymentsWaiting: num(payments.waiting),
        accepted: num(accepted.async) + num(accepted.sync),
        completed: num(processed.completed),
        failed: num(processed.failed),
        ...(stock ? { stock } : {}),
      });
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    } catch {
      // A reading lost while the service is busy or closing; the next one follows.
    } finally {
      this.busy = false;
    }
  }
}
