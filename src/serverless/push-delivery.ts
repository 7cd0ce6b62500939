import { Gauge } from 'prom-client';
import type { ServiceConfig } from '../config/config.js';
import type { BackoffOptions } from '../core/backoff.js';
import type { DependencyHealth } from '../core/health.js';
import type { MessageBus } from '../core/ports.js';
import type { ProcessDeps } from '../processor/process-message.js';
import { counterFrom } from '../telemetry/prometheus.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { createHandler, type SnsHandler } from './handler.js';
import { PushDispatcher } from './push-dispatcher.js';

/**
 * `--processor push`: the topic's messages go straight to the serverless
 * handler, in this process, with SNS's retries, instead of to queue workers.
 */
export class PushDelivery {
  readonly handler: SnsHandler;
  readonly dispatcher: PushDispatcher;
  private readonly settings: { retries: number; failureDestination: boolean };
  private telemetry?: Telemetry;

  constructor(
    deps: ProcessDeps & { bus: MessageBus; health: DependencyHealth },
    config: ServiceConfig,
    /** Retries while the bus is down. */
    backoff: BackoffOptions,
  ) {
    const { bus, clock, logger, health } = deps;
    this.handler = createHandler({
      ...deps,
      onFinished: (order) => {
        if (order.mode === 'async') this.telemetry?.observeE2e(clock.now() - Date.parse(order.created_at));
      },
    });
    this.dispatcher = new PushDispatcher(
      { bus, clock, logger, health, invoke: this.handler },
      {
        queue: config.queue.name,
        topic: config.queue.topic,
        concurrency: config.push.concurrency,
        retries: config.push.retries,
        retryDelayMs: config.push.retryDelayMs,
        failureDestination: config.push.failureDestination,
        visibilityTimeoutMs: config.queue.visibilityTimeoutMs,
        waitTimeMs: config.queue.waitTimeMs,
        backoff,
      },
    );
    this.settings = { retries: config.push.retries, failureDestination: config.push.failureDestination };
  }

  /** /stats `push` (documented in docs/api.md), the e2e latency of pushed orders, and a Prometheus gauge. */
  attach(telemetry: Telemetry): void {
    this.telemetry = telemetry;
    telemetry.addSection('push', () => this.snapshot());
    const dispatcher = this.dispatcher;
    new Gauge({
      name: 'flashsale_push_in_flight',
      help: 'Push mode: handler invocations under way now',
      registers: [telemetry.registry],
      collect() {
        this.set(dispatcher.stats().inFlight);
      },
    });
    counterFrom(telemetry.registry, {
      name: 'flashsale_push_deliveries_total',
      help: 'Push mode: finished invocations by outcome (delivered, retried, dropped, failure_destination)',
      labelName: 'outcome',
      read: () => {
        const s = dispatcher.stats();
        return {
          delivered: s.delivered,
          retried: s.retried,
          dropped: s.dropped,
          failure_destination: s.sentToFailureDestination,
        };
      },
    });
  }

  snapshot() {
    const push = this.dispatcher.stats();
    const handler = this.handler.stats();
    return {
      concurrency: push.concurrency,
      retries: this.settings.retries,
      failure_destination: this.settings.failureDestination,
      in_flight: push.inFlight,
      invocations: push.invocations,
      delivered: push.delivered,
      retried: push.retried,
      dropped: push.dropped,
      sent_to_failure_destination: push.sentToFailureDestination,
      completed: handler.completed,
      failed: handler.failed,
    };
  }

  start(): void {
    this.dispatcher.start();
  }

  /** Stops delivering; invocations under way get `graceMs` (real ms) to finish. */
  stop(graceMs: number): Promise<void> {
    return this.dispatcher.stop(graceMs);
  }

  /** Resolves once the invocations under way have ended, after stop() too. */
  finished(): Promise<void> {
    return this.dispatcher.finished();
  }
}
