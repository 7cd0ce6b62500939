import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { DependencyHealth } from '../core/health.js';
import type { GatewayStats, MessageBus, OrderStore } from '../core/ports.js';
import { REJECTION_REASONS, type RejectionReason, type StockCounts } from '../core/stock.js';
import type { ProcessorStats } from '../processor/order-processor.js';
import { microsHistogram, summaryMs } from './latency-summary.js';
import { unhandledRejections } from './process-faults.js';
import { counterFrom, registerProcessMetrics, setCounter } from './prometheus.js';

/** Where the figures of /stats and /metrics come from; absent parts are left out. */
export interface StatsSources {
  role: string;
  version: string;
  clock: Clock;
  store: OrderStore;
  bus?: MessageBus;
  queue: string;
  gateway?: () => GatewayStats;
  processor?: () => ProcessorStats;
  /** Up or down of the store, the bus, … as this process finds them: /stats `dependencies`. */
  health?: DependencyHealth;
  /** Every catalog sku's units (one read of the products): /stats `stock`, flashsale_stock_units. */
  stock?: () => Promise<Array<StockCounts & { sku: string }>>;
}

type Section = () => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Told of every answered request (the dashboard keeps windowed percentiles from these). */
export type RequestListener = (route: string, method: string, status: number, seconds: number) => void;

/** Routes whose response times /stats reports as `latency_ms`, by checkout mode. */
const ORDER_ROUTES: Record<string, 'async' | 'sync'> = { '/orders/async': 'async', '/orders/sync': 'sync' };

/**
 * Counters and histograms of one process, served as Prometheus text on
 * /metrics and as JSON on /stats. Both are computed from one snapshot so the
 * two never disagree.
 */
export class Telemetry {
  readonly registry = new Registry();
  readonly accepted = { async: 0, sync: 0 };
  /** Orders refused at intake for their stock, by reason. */
  readonly rejected = Object.fromEntries(REJECTION_REASONS.map((r) => [r, 0])) as Record<RejectionReason, number>;
  private readonly startedAt: number;
  private readonly requests = { total: 0, byStatus: {} as Record<string, number> };
  private readonly e2e = microsHistogram();
  private readonly orderLatency = { async: microsHistogram(), sync: microsHistogram() };
  private readonly listeners = new Set<RequestListener>();
  private readonly sections = new Map<string, Section>();
  private readonly m;

  constructor(private readonly sources: StatsSources) {
    this.startedAt = sources.clock.monotonic();
    const registry = this.registry;
    const registers = [registry];
    registerProcessMetrics(registry);
    new Gauge({
      name: 'flashsale_build_info',
      help: 'Always 1; its labels say which version and role this process runs',
      labelNames: ['version', 'role'],
      registers,
    }).set({ version: sources.version, role: sources.role }, 1);
    this.m = {
      requests: new Counter({
        name: 'flashsale_http_requests_total',
        help: 'HTTP requests by route, method and status',
        labelNames: ['route', 'method', 'status'],
        registers,
      }),
      latency: new Histogram({
        name: 'flashsale_http_request_duration_seconds',
        help: 'HTTP response time by route',
        labelNames: ['route', 'method'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
      accepted: new Counter({
        name: 'flashsale_orders_accepted_total',
        help: 'Orders accepted, by checkout mode',
        labelNames: ['mode'],
        registers,
      }),
      e2e: new Histogram({
        name: 'flashsale_order_e2e_seconds',
        help: 'Async orders: acceptance to end of payment',
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 3, 5, 10, 30, 60, 300, 900, 3600],
        registers,
      }),
      queue: new Gauge({
        name: 'flashsale_queue_messages',
        help: 'Messages in the order queue now, by state (visible, in_flight, dead_letter)',
        labelNames: ['queue', 'state'],
        registers,
      }),
      orders: new Gauge({
        name: 'flashsale_orders',
        help: 'Orders in the store now, by status',
        labelNames: ['status'],
        registers,
      }),
      workersTarget: new Gauge({
        name: 'flashsale_workers_target',
        help: 'Processor workers that run now (the pool size)',
        registers,
      }),
      workersBusy: new Gauge({
        name: 'flashsale_workers_busy',
        help: 'Processor workers handling a message now',
        registers,
      }),
      payments: new Gauge({ name: 'flashsale_payments_in_flight', help: 'Payments being carried out now', registers }),
      paymentsWaiting: new Gauge({
        name: 'flashsale_payments_waiting',
        help: 'Payments waiting for a provider slot now',
        registers,
      }),
      paymentResults: new Counter({
        name: 'flashsale_payments_total',
        help: 'Payments carried out by the provider, by result (approved, declined, error)',
        labelNames: ['result'],
        registers,
      }),
      processed: new Counter({
        name: 'flashsale_orders_processed_total',
        help: 'Orders the processor finished, by outcome (completed, failed)',
        labelNames: ['outcome'],
        registers,
      }),
      retried: new Counter({
        name: 'flashsale_messages_retried_total',
        help: 'Queue messages released to be tried again after a failed payment',
        registers,
      }),
      deadLettered: new Counter({
        name: 'flashsale_messages_dead_lettered_total',
        help: 'Queue messages moved to the dead-letter queue after their last receive',
        registers,
      }),
      rejected: new Counter({
        name: 'flashsale_orders_rejected_total',
        help: 'Orders refused at intake for their stock, by reason (sold_out, limit_exceeded, price_changed, …)',
        labelNames: ['reason'],
        registers,
      }),
      stock: new Gauge({
        name: 'flashsale_stock_units',
        help: 'Units of each catalog sku now, by state (available, reserved, sold)',
        labelNames: ['sku', 'state'],
        registers,
      }),
    };
    // Every reason from the start, at 0: a rate over a series that appears late misses its first refusals.
    for (const reason of REJECTION_REASONS) this.m.rejected.inc({ reason }, 0);
    counterFrom(registry, {
      name: 'flashsale_unhandled_rejections_total',
      help: 'Promise rejections nobody handled (bugs; the process logs each and keeps running)',
      read: unhandledRejections,
    });
    if (sources.health) this.dependencyGauge(sources.health);
  }

  /** flashsale_dependency_up{dependency}: 1 while this process finds it up. */
  private dependencyGauge(health: DependencyHealth): void {
    new Gauge({
      name: 'flashsale_dependency_up',
      help: 'Dependencies (store, bus, …) as this process finds them: 1 up, 0 down',
      labelNames: ['dependency'],
      registers: [this.registry],
      collect() {
        for (const [name, s] of Object.entries(health.snapshot()))
          this.set({ dependency: name }, s.state === 'up' ? 1 : 0);
      },
    });
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.requests.total++;
    const key = String(status);
    this.requests.byStatus[key] = (this.requests.byStatus[key] ?? 0) + 1;
    this.m.requests.inc({ route, method, status: key });
    this.m.latency.observe({ route, method }, seconds);
    const mode = method === 'POST' ? ORDER_ROUTES[route] : undefined;
    if (mode) this.orderLatency[mode].recordValue(Math.max(1, Math.round(seconds * 1e6)));
    for (const listener of this.listeners) listener(route, method, status, seconds);
  }

  /** Calls `listener` after each answered request; returns the unsubscribe function. */
  onRequest(listener: RequestListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  observeAccepted(mode: 'sync' | 'async'): void {
    this.accepted[mode]++;
    this.m.accepted.inc({ mode });
  }

  /** An order refused at intake for its stock (nothing of it was stored). */
  observeRejected(reason: RejectionReason): void {
    this.rejected[reason]++;
    this.m.rejected.inc({ reason });
  }

  /** Wall ms from acceptance to the end of an async order's payment. */
  observeE2e(ms: number): void {
    this.e2e.recordValue(Math.max(1, Math.round(ms * 1000)));
    this.m.e2e.observe(ms / 1000);
  }

  /** Adds a top-level key to /stats (e.g. breaker, autoscaler). */
  addSection(name: string, section: Section): void {
    this.sections.set(name, section);
  }

  async stats(): Promise<Record<string, unknown>> {
    const { sources } = this;
    const [orders, depth] = await Promise.all([sources.store.countByStatus(), sources.bus?.depth(sources.queue)]);
    const stats: Record<string, unknown> = {
      service: 'flashsale',
      version: sources.version,
      role: sources.role,
      time_scale: sources.clock.timeScale,
      uptime_ms: Math.round(sources.clock.monotonic() - this.startedAt),
    };
    if (depth) {
      stats.queue = {
        name: sources.queue,
        visible: depth.visible,
        in_flight: depth.inFlight,
        dead_letters: depth.deadLetters,
      };
    }
    const processor = sources.processor?.();
    if (processor) stats.workers = { target: processor.target, busy: processor.busy, paused: processor.paused };
    const gateway = sources.gateway?.();
    if (gateway) {
      stats.payments = {
        slots: gateway.slots,
        in_flight: gateway.inFlight,
        waiting: gateway.waiting,
        latency_ms: gateway.latencyMs,
        executed: gateway.executed,
        approved: gateway.approved,
        declined: gateway.declined,
        errors: gateway.errors,
      };
    }
    stats.orders = orders;
    stats.accepted = { ...this.accepted };
    if (sources.stock) {
      const skus = await sources.stock();
      stats.stock = Object.fromEntries(skus.map(({ sku, ...c }) => [sku, { ...c, sold_out: c.available === 0 }]));
      stats.rejected = { ...this.rejected };
    }
    if (processor) {
      stats.processed = {
        completed: processor.completed,
        failed: processor.failed,
        retried: processor.retried,
        dead_lettered: processor.deadLettered,
      };
    }
    stats.e2e_ms = summaryMs(this.e2e);
    stats.latency_ms = { async: summaryMs(this.orderLatency.async), sync: summaryMs(this.orderLatency.sync) };
    stats.requests = { total: this.requests.total, by_status: { ...this.requests.byStatus } };
    stats.unhandled_rejections = unhandledRejections();
    if (sources.health) stats.dependencies = sources.health.snapshot();
    for (const [name, section] of this.sections) stats[name] = await section();
    return stats;
  }

  /** Prometheus text, with gauges refreshed from the same snapshot as /stats. */
  async metrics(): Promise<string> {
    const s = (await this.stats()) as {
      queue?: { name: string; visible: number; in_flight: number; dead_letters: number };
      workers?: { target: number; busy: number };
      payments?: { in_flight: number; waiting: number; approved: number; declined: number; errors: number };
      orders: Record<string, number>;
      processed?: { completed: number; failed: number; retried: number; dead_lettered: number };
      stock?: Record<string, StockCounts>;
    };
    const { m } = this;
    // Reset first: a removed sku's series goes with it.
    m.stock.reset();
    for (const [sku, c] of Object.entries(s.stock ?? {})) {
      for (const state of ['available', 'reserved', 'sold'] as const) m.stock.set({ sku, state }, c[state]);
    }
    if (s.queue) {
      m.queue.set({ queue: s.queue.name, state: 'visible' }, s.queue.visible);
      m.queue.set({ queue: s.queue.name, state: 'in_flight' }, s.queue.in_flight);
      m.queue.set({ queue: s.queue.name, state: 'dead_letter' }, s.queue.dead_letters);
    }
    for (const [status, n] of Object.entries(s.orders)) m.orders.set({ status }, n);
    if (s.workers) {
      m.workersTarget.set(s.workers.target);
      m.workersBusy.set(s.workers.busy);
    }
    if (s.payments) {
      m.payments.set(s.payments.in_flight);
      m.paymentsWaiting.set(s.payments.waiting);
      setCounter(m.paymentResults, {
        approved: s.payments.approved,
        declined: s.payments.declined,
        error: s.payments.errors,
      });
    }
    if (s.processed) {
      setCounter(m.processed, { completed: s.processed.completed, failed: s.processed.failed });
      setCounter(m.retried, s.processed.retried);
      setCounter(m.deadLettered, s.processed.dead_lettered);
    }
    return this.registry.metrics();
  }
}
