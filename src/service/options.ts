/**
 * Each component's options, taken from the config. Components have no
 * defaults of their own: every value comes from the settings table, through
 * here. Type-only imports, so the serverless runtime loads no adapter it
 * does not use.
 */
import type { ServiceConfig } from '../config/config.js';
import type { BackoffOptions } from '../core/backoff.js';
import type { NotifierOptions } from '../core/notifier.js';
import type { OutboxRelayOptions } from '../outbox/outbox-relay.js';
import type { HttpGatewayOptions } from '../payment/http-gateway.js';
import type { SimulatedGatewayOptions } from '../payment/simulated-gateway.js';
import type { PostgresOptions } from '../postgres/database.js';
import type { OrderProcessorOptions } from '../processor/order-processor.js';
import type { SqsBusOptions } from '../sns-sqs/sqs-bus.js';
import type { EmbeddedBusOptions } from '../sqlite/embedded-bus.js';

/** The topic and the one queue subscribed to it. */
function subscriptions(config: ServiceConfig): Record<string, readonly string[]> {
  return { [config.queue.topic]: [config.queue.name] };
}

export function embeddedBusOptions(config: ServiceConfig): EmbeddedBusOptions {
  const { visibilityTimeoutMs, retentionMs, maxReceiveCount } = config.queue;
  return {
    subscriptions: subscriptions(config),
    visibilityTimeoutMs,
    retentionMs,
    maxReceiveCount,
    ...config.embeddedBus,
  };
}

/** Everything but where AWS is and who we are there (endpoint, region, credentials: see createSqsBus). */
export function sqsBusOptions(config: ServiceConfig): SqsBusOptions {
  const { visibilityTimeoutMs, retentionMs, waitTimeMs, maxReceiveCount } = config.queue;
  return {
    subscriptions: subscriptions(config),
    visibilityTimeoutMs,
    retentionMs,
    waitTimeMs,
    maxReceiveCount,
    provision: config.aws.provision,
    ...config.sqs,
  };
}

export function postgresOptions(config: ServiceConfig & { databaseUrl: string }): PostgresOptions {
  return { url: config.databaseUrl, ...config.postgres };
}

export function simulatedGatewayOptions(config: ServiceConfig): SimulatedGatewayOptions {
  return config.payment;
}

export function httpGatewayOptions(config: ServiceConfig & { gatewayUrl: string }): HttpGatewayOptions {
  return { url: config.gatewayUrl, statsRefreshMs: config.gatewayStatsRefreshMs };
}

export function notifierOptions(config: ServiceConfig): NotifierOptions {
  const { from, recipientDomain, attempts } = config.notify;
  return { from, recipientDomain, attempts };
}

/** How every poll loop retries a dependency that is down. */
export function loopBackoff(config: ServiceConfig): BackoffOptions {
  return { ...config.backoff };
}

export function processorOptions(config: ServiceConfig): OrderProcessorOptions {
  const { name, visibilityTimeoutMs, waitTimeMs, maxReceiveCount, retryDelayMs } = config.queue;
  return {
    queue: name,
    workers: config.workers,
    visibilityTimeoutMs,
    waitTimeMs,
    maxReceiveCount,
    retryDelayMs,
    backoff: loopBackoff(config),
  };
}

export function outboxRelayOptions(config: ServiceConfig): OutboxRelayOptions {
  return { ...config.outbox, backoff: loopBackoff(config) };
}
