import type { FastifyPluginAsync } from 'fastify';
import { Gauge } from 'prom-client';
import { adminRoutes } from '../api/admin-routes.js';
import type { OrderGuards } from '../api/order-routes.js';
import { rateLimitGuard } from '../api/rate-limit.js';
import { admissionGuard, breakerGuard } from '../api/sync-guards.js';
import { Autoscaler } from '../autoscaler/autoscaler.js';
import type { ResilienceSettings } from '../config/resilience-settings.js';
import type { Clock } from '../core/clock.js';
import type { Logger, MessageBus, OrderStore, PaymentGateway } from '../core/ports.js';
import { DeadLetters } from '../processor/dead-letters.js';
import { counterFrom } from '../telemetry/prometheus.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { AdmissionControl } from './admission.js';
import { BreakerGateway } from './breaker-gateway.js';
import { ProcessingControl, type WorkerPool } from './processing-control.js';
import { TokenBuckets } from './token-bucket.js';

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;

/**
 * The resilience features of one process, composed in two steps: `create`
 * wraps the payment gateway (before the checkout and processor are built with
 * it); `attach` adds what needs the processor, the bus and the telemetry.
 */
export class Resilience {
  /** The gateway the checkout and the processor use: behind the breaker when it is on. */
  readonly gateway: PaymentGateway;
  readonly breaker?: BreakerGateway;
  readonly admission: AdmissionControl;
  readonly rateLimit?: TokenBuckets;
  control?: ProcessingControl;
  autoscaler?: Autoscaler;
  deadLetters?: DeadLetters;
  private pool?: WorkerPool;
  private store?: OrderStore;

  constructor(
    private readonly deps: { gateway: PaymentGateway; clock: Clock; logger: Logger },
    private readonly settings: ResilienceSettings,
  ) {
    const { gateway, clock, logger } = deps;
    this.breaker = settings.breaker.enabled
      ? new BreakerGateway({ gateway, clock, logger }, settings.breaker)
      : undefined;
    this.gateway = this.breaker ?? gateway;
    this.admission = new AdmissionControl({ gateway: () => gateway.stats() }, settings.admission);
    if (settings.rateLimit.perSecond > 0) {
      const { perSecond, burst, maxClients } = settings.rateLimit;
      this.rateLimit = new TokenBuckets({ clock }, { perSecond, burst, maxKeys: maxClients });
    }
  }

  /** Adds processing control, the autoscaler, dead-letter tools and the /stats and /metrics figures. */
  attach(parts: {
    store: OrderStore;
    telemetry: Telemetry;
    bus?: MessageBus;
    queue: string;
    processor?: WorkerPool;
    /** Orders arrived so far (cumulative), for the autoscaler's arrival rate. */
    arrivals?: () => number;
  }): void {
    const { clock, logger } = this.deps;
    const { bus, telemetry, processor } = parts;
    this.store = parts.store;
    if (bus) this.deadLetters = new DeadLetters({ bus, store: parts.store, logger }, { queue: parts.queue });
    if (processor) {
      this.pool = processor;
      this.control = new ProcessingControl({
        pool: processor,
        clock,
        logger,
        ...(this.breaker ? { breaker: this.breaker } : {}),
      });
      if (bus) {
        const { enabled: _, history, ...autoscale } = this.settings.autoscale;
        const arrivals = parts.arrivals ?? (() => telemetry.accepted.async);
        const gateway = this.deps.gateway;
        this.autoscaler = new Autoscaler(
          {
            target: this.control,
            signals: async () => {
              const { slots, latencyMs } = gateway.stats();
              return { arrivals: arrivals(), backlog: (await bus.depth(parts.queue)).visible, latencyMs, slots };
            },
            clock,
            logger,
          },
          { ...autoscale, keep: history },
        );
      }
    }
    this.addFigures(telemetry);
  }

  /** Hooks on the order routes: the rate limit on both POSTs; breaker and admission on /orders/sync. */
  guards(): OrderGuards {
    const { clock } = this.deps;
    return {
      create: this.rateLimit
        ? [rateLimitGuard({ buckets: this.rateLimit, clock, keyHeader: this.settings.rateLimit.keyHeader })]
        : [],
      sync: [
        ...(this.breaker ? [breakerGuard({ breaker: this.breaker, clock })] : []),
        admissionGuard({
          admission: this.admission,
          clock,
          knownKey: async (key) => (this.store ? this.store.hasIdempotencyKey(key) : false),
        }),
      ],
    };
  }

  plugins(): FastifyPluginAsync[] {
    return [
      adminRoutes({
        token: this.settings.adminToken,
        ...(this.deadLetters ? { deadLetters: this.deadLetters } : {}),
        ...(this.control ? { control: this.control } : {}),
        ...(this.pool ? { pool: this.pool } : {}),
        ...(this.autoscaler ? { autoscaler: this.autoscaler } : {}),
      }),
    ];
  }

  /** Starts following the breaker and, when configured, the autoscaler. */
  start(): void {
    this.control?.start();
    if (this.settings.autoscale.enabled) this.autoscaler?.start();
  }

  async stop(): Promise<void> {
    await this.autoscaler?.stop('the service is stopping');
    this.control?.stop();
  }

  private addFigures(telemetry: Telemetry): void {
    const registers = [telemetry.registry];
    const { breaker, admission, rateLimit } = this;
    telemetry.addSection('admission', () => admission.snapshot());
    counterFrom(telemetry.registry, {
      name: 'flashsale_admission_decisions_total',
      help: 'Sync requests admitted and refused by admission control',
      labelName: 'decision',
      read: () => {
        const s = admission.snapshot();
        return { admitted: s.admitted, rejected: s.rejected };
      },
    });
    telemetry.addSection('breaker', () => (breaker ? breaker.snapshot() : { enabled: false, state: 'closed' }));
    if (breaker) {
      // One series per state, 1 for the current one: alerts and graphs need no magic numbers.
      new Gauge({
        name: 'flashsale_breaker_state',
        help: 'Payment circuit breaker: 1 for its current state (closed, open, half-open), 0 for the others',
        labelNames: ['state'],
        registers,
        collect() {
          for (const state of BREAKER_STATES) this.set({ state }, breaker.state === state ? 1 : 0);
        },
      });
      counterFrom(telemetry.registry, {
        name: 'flashsale_breaker_events_total',
        help: 'Payment circuit breaker events (opened, failures, timeouts, short_circuited, called_off)',
        labelName: 'event',
        read: () => {
          const { opened, failures, timeouts, short_circuited, called_off } = breaker.snapshot();
          return { opened, failures, timeouts, short_circuited, called_off };
        },
      });
    }
    const { control, autoscaler } = this;
    if (control) telemetry.addSection('processing', () => control.snapshot());
    if (autoscaler) {
      telemetry.addSection('autoscaler', () => autoscaler.snapshot());
      new Gauge({
        name: 'flashsale_autoscaler_desired_workers',
        help: 'Workers the autoscaler last asked for (0 before its first decision)',
        registers,
        collect() {
          this.set(autoscaler.snapshot().last?.workers ?? 0);
        },
      });
    }
    if (rateLimit) {
      telemetry.addSection('rate_limit', () => rateLimit.snapshot());
      counterFrom(telemetry.registry, {
        name: 'flashsale_rate_limited_total',
        help: 'Order requests refused with 429 by the per-client rate limit',
        read: () => rateLimit.snapshot().limited,
      });
    }
  }
}
