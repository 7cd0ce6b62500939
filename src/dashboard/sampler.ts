import * as hdr from 'hdr-histogram-js';
import type { Telemetry } from '../telemetry/telemetry.js';

/** One reading of the dashboard: what the charts plot, in wall-clock units. */
export interface DashboardPoint {
  /** Wall-clock ms since the epoch. */
  t: number;
  visible: number;
  inFlight: number;
  deadLetters: number;
  /** Orders accepted (sync + async) per wall second since the previous reading. */
  acceptedPerS: number;
  /** Orders finished (completed + failed) per wall second since the previous reading. */
  processedPerS: number;
  workers: number;
  busy: number;
  paymentsInFlight: number;
  paymentsWaiting: number;
  /** Response-time percentiles (ms) of order POSTs answered in the last window; null when none were. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Units of each catalog sku (absent without a catalog). */
  stock?: Record<string, SkuUnits>;
}

export interface SkuUnits {
  available: number;
  reserved: number;
  sold: number;
}

export interface SamplerOptions {
  /** Real ms between readings. Default 1000. */
  intervalMs?: number;
  /** Real ms of history kept. Default 300000 (five minutes). */
  historyMs?: number;
  /** Real ms of order responses the percentiles cover. Default 5000. */
  latencyWindowMs?: number;
}

export type SampleListener = (point: DashboardPoint, stats: Record<string, unknown>) => void;

type Stats = Record<string, unknown>;

function section(stats: Stats, key: string): Record<string, number> {
  const value = stats[key];
  return value && typeof value === 'object' ? (value as Record<string, number>) : {};
}

/** µs, up to an hour, two significant digits: plenty for a chart. */
function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 2,
  });
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/**
 * Reads the process's /stats figures at a fixed interval, derives per-second
 * rates from successive readings and keeps a few minutes of history for pages
 * that connect later. Response-time percentiles come from a short sliding
 * window of order responses, so a burst shows at once instead of being diluted
 * in the since-start figures of /stats.
 */
export class DashboardSampler {
  private readonly opts: Required<SamplerOptions>;
  private readonly history: DashboardPoint[] = [];
  private readonly listeners = new Set<SampleListener>();
  private readonly slots: hdr.Histogram[];
  private readonly merged = histogram();
  private slot = 0;
  private previous?: { at: number; accepted: number; processed: number };
  private latest?: Stats;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private reading = false;
  /** Wall ms of the first reading that found each sku sold out after selling. */
  private readonly soldOut = new Map<string, number>();

  constructor(
    private readonly telemetry: Telemetry,
    options: SamplerOptions = {},
  ) {
    this.opts = {
      intervalMs: options.intervalMs ?? 1000,
      historyMs: options.historyMs ?? 300_000,
      latencyWindowMs: options.latencyWindowMs ?? 5000,
    };
    // One histogram per interval of the window, rotated on each reading.
    const count = Math.max(1, Math.ceil(this.opts.latencyWindowMs / this.opts.intervalMs));
    this.slots = Array.from({ length: count }, histogram);
  }

  get intervalMs(): number {
    return this.opts.intervalMs;
  }

  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.telemetry.onRequest((route, method, _status, seconds) => {
      if (method === 'POST' && route.startsWith('/orders/')) {
        this.slots[this.slot]?.recordValue(Math.max(1, Math.round(seconds * 1e6)));
      }
    });
    this.timer = setInterval(() => void this.read(), this.opts.intervalMs);
    this.timer.unref();
    void this.read();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.listeners.clear();
  }

  /** Readings of the last few minutes, oldest first. */
  points(): DashboardPoint[] {
    return [...this.history];
  }

  /** When each sku sold out (wall ms of the first reading with none available after some were taken). */
  soldOutAt(): Record<string, number> {
    return Object.fromEntries(this.soldOut);
  }

  /** The last /stats snapshot read, if any. */
  lastStats(): Stats | undefined {
    return this.latest;
  }

  subscribe(listener: SampleListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async read(): Promise<void> {
    // A slow stats query must not pile up readings behind it.
    if (this.reading) return;
    this.reading = true;
    try {
      const stats = await this.telemetry.stats();
      const at = performance.now();
      const point = this.derive(stats, at);
      this.latest = stats;
      this.history.push(point);
      const keep = Math.ceil(this.opts.historyMs / this.opts.intervalMs);
      if (this.history.length > keep) this.history.splice(0, this.history.length - keep);
      for (const listener of this.listeners) listener(point, stats);
    } catch {
      // The store is closing or busy; the next reading tries again.
    } finally {
      this.reading = false;
    }
  }

  private derive(stats: Stats, at: number): DashboardPoint {
    const queue = section(stats, 'queue');
    const workers = section(stats, 'workers');
    const payments = section(stats, 'payments');
    const acceptedBy = section(stats, 'accepted');
    const processedBy = section(stats, 'processed');
    const accepted = int(acceptedBy.async) + int(acceptedBy.sync);
    const processed = int(processedBy.completed) + int(processedBy.failed);
    const prev = this.previous;
    const seconds = prev ? (at - prev.at) / 1000 : 0;
    const rate = (now: number, before: number | undefined) =>
      prev && seconds > 0 ? Math.round(((now - (before ?? 0)) / seconds) * 100) / 100 : 0;
    const point: DashboardPoint = {
      t: Date.now(),
      visible: int(queue.visible),
      inFlight: int(queue.in_flight),
      deadLetters: int(queue.dead_letters),
      acceptedPerS: rate(accepted, prev?.accepted),
      processedPerS: rate(processed, prev?.processed),
      workers: int(workers.target),
      busy: int(workers.busy),
      paymentsInFlight: int(payments.in_flight),
      paymentsWaiting: int(payments.waiting),
      ...this.windowPercentiles(),
    };
    const stock = this.stock(stats, point.t);
    if (stock) point.stock = stock;
    this.previous = { at, accepted, processed };
    return point;
  }

  private stock(stats: Stats, t: number): Record<string, SkuUnits> | undefined {
    const skus = stats.stock;
    if (!skus || typeof skus !== 'object') return undefined;
    const out: Record<string, SkuUnits> = {};
    for (const [sku, c] of Object.entries(skus as Record<string, Record<string, unknown>>)) {
      const units = { available: int(c.available), reserved: int(c.reserved), sold: int(c.sold) };
      out[sku] = units;
      // A product put on sale with nothing in stock has no sell-out moment.
      if (units.available === 0 && units.reserved + units.sold > 0 && !this.soldOut.has(sku)) this.soldOut.set(sku, t);
    }
    for (const sku of this.soldOut.keys()) if (!(sku in out)) this.soldOut.delete(sku);
    return out;
  }

  private windowPercentiles(): Pick<DashboardPoint, 'p50' | 'p95' | 'p99'> {
    const merged = this.merged;
    merged.reset();
    for (const slot of this.slots) merged.add(slot);
    this.slot = (this.slot + 1) % this.slots.length;
    this.slots[this.slot]?.reset();
    if (merged.totalCount === 0) return { p50: null, p95: null, p99: null };
    const ms = (p: number) => Math.round(merged.getValueAtPercentile(p)) / 1000;
    return { p50: ms(50), p95: ms(95), p99: ms(99) };
  }
}
