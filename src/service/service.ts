import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import pino from 'pino';
import { buildApi } from '../api/server.js';
import { type ConfigOverrides, resolveConfig, type ServiceConfig } from '../config/config.js';
import { Checkout } from '../core/checkout.js';
import { ScaledClock } from '../core/clock.js';
import { DependencyHealth } from '../core/health.js';
import { Notifier } from '../core/notifier.js';
import type { EmailSender } from '../core/ports.js';
import { type DashboardOptions, dashboardRoutes } from '../dashboard/routes.js';
import { SimulatedGateway } from '../payment/simulated-gateway.js';
import { OrderProcessor } from '../processor/order-processor.js';
import { Resilience } from '../resilience/resilience.js';
import { PushDelivery } from '../serverless/push-delivery.js';
import { SmtpSender } from '../smtp/smtp-sender.js';
import { SqliteDatabase } from '../sqlite/database.js';
import { EmbeddedBus } from '../sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../sqlite/order-store.js';
import { SqlitePaymentLedger } from '../sqlite/payment-ledger.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { VERSION } from '../version.js';
import { listen } from './listen.js';
import {
  embeddedBusOptions,
  loopBackoff,
  notifierOptions,
  processorOptions,
  simulatedGatewayOptions,
} from './options.js';

export interface RunningService {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  config: ServiceConfig;
  app: FastifyInstance;
  clock: ScaledClock;
  database: SqliteDatabase;
  store: SqliteOrderStore;
  bus: EmbeddedBus;
  ledger: SqlitePaymentLedger;
  gateway: SimulatedGateway;
  /** The queue workers; never started with `processor: 'push'`. */
  processor: OrderProcessor;
  /** With `processor: 'push'`: the serverless handler and the dispatcher that invokes it. */
  push?: PushDelivery;
  checkout: Checkout;
  notifier: Notifier;
  telemetry: Telemetry;
  /** Up or down of the store and the bus as the processor finds them (/stats `dependencies`). */
  health: DependencyHealth;
  /** Circuit breaker, admission control, processing control, autoscaler, dead-letter tools. */
  resilience: Resilience;
  /** Graceful stop: no new requests, in-flight payments finish or are released, database closed. */
  close(): Promise<void>;
}

export interface ServiceExtras {
  /** Extra routes (admin API, dashboard). */
  plugins?: FastifyPluginAsync[];
  /** Email sender to use instead of one built from notify.smtpUrl. */
  sender?: EmailSender;
  /** Live dashboard at /dashboard (and / redirecting to it); false leaves it out. Default on, a reading a second. */
  dashboard?: DashboardOptions | false;
}

/** The one-process embedded flashsale: API + processor + simulated gateway on one SQLite file. */
export async function startService(
  overrides: ConfigOverrides = {},
  extras: ServiceExtras = {},
): Promise<RunningService> {
  const config = resolveConfig(overrides);
  const logger = pino({ level: config.logLevel, base: { service: 'flashsale' } });
  const clock = new ScaledClock(config.timeScale);
  const health = new DependencyHealth({ clock, logger });
  const database = new SqliteDatabase({ path: config.dbPath });
  const bus = new EmbeddedBus({ database, clock }, embeddedBusOptions(config));
  const store = new SqliteOrderStore({ database, publisher: bus }, { topic: config.queue.topic });
  const ledger = new SqlitePaymentLedger({ database });
  const gateway = new SimulatedGateway({ clock, ledger }, simulatedGatewayOptions(config));
  await Promise.all([bus.init(), store.init(), gateway.init()]);

  const sender = extras.sender ?? (config.notify.smtpUrl ? new SmtpSender(config.notify.smtpUrl) : undefined);
  const notifier = new Notifier({ store, clock, logger, ...(sender ? { sender } : {}) }, notifierOptions(config));
  // Checkout and processor pay through the circuit breaker when it is on.
  const resilience = new Resilience({ gateway, clock, logger }, config);
  const checkout = new Checkout(
    { store, gateway: resilience.gateway, notifier, clock },
    { holdAbandonedPayments: config.holdAbandonedPayments },
  );
  const processor = new OrderProcessor(
    { store, bus, gateway: resilience.gateway, notifier, clock, logger, health },
    processorOptions(config),
  );
  // Push mode hands each message to the serverless handler instead of to the workers.
  const push =
    config.processor === 'push'
      ? new PushDelivery(
          { store, bus, gateway: resilience.gateway, notifier, clock, logger, health },
          config,
          loopBackoff(config),
        )
      : undefined;
  const telemetry = new Telemetry({
    role: 'serve',
    version: VERSION,
    clock,
    store,
    bus,
    queue: config.queue.name,
    gateway: () => gateway.stats(),
    health,
    ...(push ? {} : { processor: () => processor.stats() }),
  });
  resilience.attach({ store, telemetry, bus, queue: config.queue.name, ...(push ? {} : { processor }) });
  push?.attach(telemetry);
  // Group commit at work: how many writes shared each durable commit.
  telemetry.addSection('storage', () => ({
    commits: database.writer.batches,
    writes: database.writer.writes,
  }));
  processor.on('settled', ({ order }) => {
    if (order.mode === 'async') telemetry.observeE2e(clock.now() - Date.parse(order.created_at));
  });

  const app = await buildApi(
    { checkout, store, telemetry, logger },
    {
      bodyLimitBytes: config.bodyLimitBytes,
      guards: resilience.guards(),
      plugins: [
        ...resilience.plugins(),
        ...(extras.plugins ?? []),
        ...(extras.dashboard === false ? [] : [dashboardRoutes({ telemetry }, extras.dashboard)]),
      ],
    },
  );
  const { url, port } = await listen(app, config);
  if (push) push.start();
  else processor.start();
  resilience.start();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const grace = clock.sleepReal(config.shutdownGraceMs);
      await Promise.race([app.close(), grace]);
      await resilience.stop();
      await push?.stop(config.shutdownGraceMs);
      await processor.stop(config.shutdownGraceMs);
      await notifier.idle();
      await sender?.close();
      await bus.close();
      await database.close();
    })();
    return closing;
  };

  return {
    url,
    port,
    config,
    app,
    clock,
    database,
    store,
    bus,
    ledger,
    gateway,
    processor,
    ...(push ? { push } : {}),
    checkout,
    notifier,
    telemetry,
    health,
    resilience,
    close,
  };
}
