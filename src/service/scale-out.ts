import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import pino from 'pino';
import { buildApi } from '../api/server.js';
import { type ConfigOverrides, resolveConfig, type ServiceConfig } from '../config/config.js';
import { Checkout } from '../core/checkout.js';
import { ScaledClock } from '../core/clock.js';
import { DependencyHealth } from '../core/health.js';
import { Notifier } from '../core/notifier.js';
import type { EmailSender, MessageBus, OrderStore, PaymentGateway } from '../core/ports.js';
import { type DashboardOptions, dashboardRoutes } from '../dashboard/routes.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { OrderProcessor } from '../processor/order-processor.js';
import { Resilience } from '../resilience/resilience.js';
import { PushDelivery } from '../serverless/push-delivery.js';
import { SmtpSender } from '../smtp/smtp-sender.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { VERSION } from '../version.js';
import { createBackend, createGateway } from './factories.js';
import { listen } from './listen.js';
import { loopBackoff, notifierOptions, outboxRelayOptions, processorOptions } from './options.js';

/** api: takes orders (and relays their messages); worker: pays them; serve: both in one process. */
export type NodeRole = 'api' | 'worker' | 'serve';

export interface RunningNode {
  role: NodeRole;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  config: ServiceConfig;
  app: FastifyInstance;
  clock: ScaledClock;
  store: OrderStore;
  bus: MessageBus;
  gateway: PaymentGateway;
  /** Publishes outbox rows when the bus is not in the store; absent with the embedded bus. */
  relay?: OutboxRelay;
  /** Present in the worker and serve roles. */
  processor?: OrderProcessor;
  /** Instead of the processor with `processor: 'push'`: the serverless handler and its dispatcher. */
  push?: PushDelivery;
  telemetry: Telemetry;
  /** Up or down of the store and the bus as this process's loops find them (/stats `dependencies`). */
  health: DependencyHealth;
  resilience: Resilience;
  /** Graceful stop: no new requests, in-flight payments finish or are released, connections closed. */
  close(): Promise<void>;
}

export interface NodeExtras {
  /** Extra routes. */
  plugins?: FastifyPluginAsync[];
  /** Email sender to use instead of one built from notify.smtpUrl. */
  sender?: EmailSender;
  /** Live dashboard of this process at /dashboard (and / redirecting to it); false leaves it out. Default on. */
  dashboard?: DashboardOptions | false;
}

/**
 * One flashsale process of a scaled-out deployment, on whichever store, bus
 * and gateway the config names. Every role serves /health, /stats and
 * /metrics; only api and serve take orders; only worker and serve pay them.
 * Each role also runs an outbox relay when there is an outbox, so messages
 * of orders accepted by an API that died are still published.
 */
export async function startNode(
  role: NodeRole,
  overrides: ConfigOverrides = {},
  extras: NodeExtras = {},
): Promise<RunningNode> {
  const config = resolveConfig(overrides);
  const logger = pino({ level: config.logLevel, base: { service: 'flashsale', role } });
  const clock = new ScaledClock(config.timeScale);
  const health = new DependencyHealth({ clock, logger });
  const deps = { clock, logger };
  const backend = createBackend(config, deps);
  await backend.init();
  const { store, bus, outbox } = backend;
  const gateway = createGateway(config, deps, backend.ledger);
  await gateway.init();

  const sender = extras.sender ?? (config.notify.smtpUrl ? new SmtpSender(config.notify.smtpUrl) : undefined);
  const notifier = new Notifier({ store, clock, logger, ...(sender ? { sender } : {}) }, notifierOptions(config));
  // Breaker, admission control, rate limit, processing control and autoscaler, as in serve.
  const resilience = new Resilience({ gateway, clock, logger }, config);
  const checkout = new Checkout(
    { store, gateway: resilience.gateway, notifier, clock },
    { holdAbandonedPayments: config.holdAbandonedPayments },
  );
  const relay = outbox
    ? new OutboxRelay({ outbox, bus, clock, logger, health }, outboxRelayOptions(config))
    : undefined;
  const push =
    role !== 'api' && config.processor === 'push'
      ? new PushDelivery(
          { store, bus, gateway: resilience.gateway, notifier, clock, logger, health },
          config,
          loopBackoff(config),
        )
      : undefined;
  const processor =
    role === 'api' || push
      ? undefined
      : new OrderProcessor(
          { store, bus, gateway: resilience.gateway, notifier, clock, logger, health },
          processorOptions(config),
        );
  // The queue's depth comes from a section rather than from the bus directly, so
  // /stats keeps answering (with the outbox's figures) while the bus is down.
  const telemetry = new Telemetry({
    role,
    version: VERSION,
    clock,
    store,
    queue: config.queue.name,
    gateway: () => gateway.stats(),
    health,
    ...(processor ? { processor: () => processor.stats() } : {}),
  });
  let lastDepth = { visible: 0, inFlight: 0, deadLetters: 0 };
  telemetry.addSection('queue', async () => {
    const section = { name: config.queue.name };
    try {
      lastDepth = await bus.depth(config.queue.name);
    } catch (error) {
      const { visible, inFlight, deadLetters } = lastDepth;
      return { ...section, visible, in_flight: inFlight, dead_letters: deadLetters, unavailable: String(error) };
    }
    return {
      ...section,
      visible: lastDepth.visible,
      in_flight: lastDepth.inFlight,
      dead_letters: lastDepth.deadLetters,
    };
  });
  if (relay && outbox) {
    telemetry.addSection('outbox', async () => {
      const counts = await outbox.counts();
      const relayed = relay.stats();
      return {
        pending: counts.pending,
        sent: counts.sent,
        published: relayed.published,
        batches: relayed.batches,
        failures: relayed.failures,
        last_published_at: relayed.lastPublishedAt,
      };
    });
  }
  resilience.attach({ store, telemetry, bus, queue: config.queue.name, ...(processor ? { processor } : {}) });
  push?.attach(telemetry);
  processor?.on('settled', ({ order }) => {
    if (order.mode === 'async') telemetry.observeE2e(clock.now() - Date.parse(order.created_at));
  });

  const app = await buildApi(
    { checkout, store, telemetry, logger },
    {
      bodyLimitBytes: config.bodyLimitBytes,
      orders: role !== 'worker',
      guards: resilience.guards(),
      plugins: [
        ...resilience.plugins(),
        ...(extras.plugins ?? []),
        ...(extras.dashboard === false ? [] : [dashboardRoutes({ telemetry }, extras.dashboard)]),
      ],
    },
  );
  const { url, port } = await listen(app, config);
  relay?.start();
  processor?.start();
  push?.start();
  resilience.start();
  logger.info({ store: config.store, bus: config.bus, gateway: config.gatewayUrl ?? 'in-process' }, `${role} started`);

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await Promise.race([app.close(), clock.sleepReal(config.shutdownGraceMs)]);
      await resilience.stop();
      await processor?.stop(config.shutdownGraceMs);
      await push?.stop(config.shutdownGraceMs);
      await relay?.stop();
      await notifier.idle();
      await sender?.close();
      await gateway.close();
      await backend.close();
    })();
    return closing;
  };

  return {
    role,
    url,
    port,
    config,
    app,
    clock,
    store,
    bus,
    gateway,
    ...(relay ? { relay } : {}),
    ...(processor ? { processor } : {}),
    ...(push ? { push } : {}),
    telemetry,
    health,
    resilience,
    close,
  };
}
