import pino from 'pino';
import { functionConfig, type ServiceConfig } from '../config/config.js';
import { type Clock, ScaledClock } from '../core/clock.js';
import { Notifier } from '../core/notifier.js';
import type { Logger, OrderStore, PaymentGateway, PaymentLedger } from '../core/ports.js';
import { httpGatewayOptions, notifierOptions, postgresOptions, simulatedGatewayOptions } from '../service/options.js';
import type { HandlerRuntime } from './handler.js';

interface Storage {
  store: OrderStore;
  ledger: PaymentLedger;
  close(): Promise<void>;
}

/**
 * Builds the function's store, gateway and notifier from the same environment
 * as the service's tasks (infra/lib/environment.ts): FLASHSALE_STORE,
 * DATABASE_URL, FLASHSALE_GATEWAY_URL, FLASHSALE_TIME_SCALE, … Adapters are
 * imported only when the config names them, and the bus not at all (the
 * function publishes nothing): every module loaded is cold-start time, and the
 * service's factories would load the AWS SDK.
 */
export async function runtimeFromEnv(env: NodeJS.ProcessEnv): Promise<HandlerRuntime> {
  const config = functionConfig(env);
  const logger = pino({ level: config.logLevel, base: { service: 'flashsale', role: 'function' } });
  const clock = new ScaledClock(config.timeScale);
  const storage = await openStorage(config, logger);
  let gateway: PaymentGateway;
  try {
    gateway = await openGateway(config, clock, logger, storage.ledger);
    await gateway.init();
  } catch (error) {
    await storage.close();
    throw error;
  }
  const sender = config.notify.smtpUrl
    ? new (await import('../smtp/smtp-sender.js')).SmtpSender(config.notify.smtpUrl)
    : undefined;
  const { store } = storage;
  const notifier = new Notifier({ store, clock, logger, ...(sender ? { sender } : {}) }, notifierOptions(config));
  return {
    store,
    gateway,
    notifier,
    clock,
    logger,
    settle: () => notifier.idle(),
    close: async () => {
      await notifier.idle();
      await sender?.close();
      await gateway.close();
      await storage.close();
    },
  };
}

async function openStorage(config: ServiceConfig, logger: Logger): Promise<Storage> {
  const topic = config.queue.topic;
  const { databaseUrl } = config;
  if (config.store === 'postgres' && databaseUrl) {
    const [{ PostgresDatabase }, { PostgresOrderStore }, { PostgresOutbox }, { PostgresPaymentLedger }] =
      await Promise.all([
        import('../postgres/database.js'),
        import('../postgres/order-store.js'),
        import('../postgres/outbox.js'),
        import('../postgres/payment-ledger.js'),
      ]);
    const database = new PostgresDatabase({ logger }, postgresOptions({ ...config, databaseUrl }));
    await database.init();
    const outbox = new PostgresOutbox({ database });
    return {
      store: new PostgresOrderStore({ database, outbox }, { topic }),
      ledger: new PostgresPaymentLedger({ database }),
      close: () => database.close(),
    };
  }
  const [{ SqliteDatabase }, { SqliteOrderStore }, { SqlitePaymentLedger }] = await Promise.all([
    import('../sqlite/database.js'),
    import('../sqlite/order-store.js'),
    import('../sqlite/payment-ledger.js'),
  ]);
  const database = new SqliteDatabase({ path: config.dbPath });
  return {
    store: new SqliteOrderStore({ database }, { topic }),
    ledger: new SqlitePaymentLedger({ database }),
    close: () => database.close(),
  };
}

/** A `flashsale gateway` process when FLASHSALE_GATEWAY_URL is set, else the simulated provider in the function. */
async function openGateway(
  config: ServiceConfig,
  clock: Clock,
  logger: Logger,
  ledger: PaymentLedger,
): Promise<PaymentGateway> {
  const { gatewayUrl } = config;
  if (gatewayUrl) {
    const { HttpGateway } = await import('../payment/http-gateway.js');
    return new HttpGateway({ logger }, httpGatewayOptions({ ...config, gatewayUrl }));
  }
  const { SimulatedGateway } = await import('../payment/simulated-gateway.js');
  return new SimulatedGateway({ clock, ledger }, simulatedGatewayOptions(config));
}
