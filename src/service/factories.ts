import type { ServiceConfig } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { Outbox } from '../core/outbox.js';
import type { Logger, MessageBus, OrderStore, PaymentGateway, PaymentLedger } from '../core/ports.js';
import { HttpGateway } from '../payment/http-gateway.js';
import { SimulatedGateway } from '../payment/simulated-gateway.js';
import { PostgresDatabase } from '../postgres/database.js';
import { PostgresOrderStore } from '../postgres/order-store.js';
import { PostgresOutbox } from '../postgres/outbox.js';
import { PostgresPaymentLedger } from '../postgres/payment-ledger.js';
import { SqsBus } from '../sns-sqs/sqs-bus.js';
import { SqliteDatabase } from '../sqlite/database.js';
import { EmbeddedBus } from '../sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../sqlite/order-store.js';
import { SqliteOutbox } from '../sqlite/outbox.js';
import { SqlitePaymentLedger } from '../sqlite/payment-ledger.js';
import {
  embeddedBusOptions,
  httpGatewayOptions,
  postgresOptions,
  simulatedGatewayOptions,
  sqsBusOptions,
} from './options.js';

export interface FactoryDeps {
  clock: Clock;
  logger: Logger;
  /** Where AWS settings not in the config are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A store and the bus its orders reach, chosen by config.store and config.bus. */
export interface Backend {
  store: OrderStore;
  bus: MessageBus;
  /** Present when the bus is another system than the store: the relay publishes it. */
  outbox?: Outbox;
  /** The provider's ledger, in the same storage (for an in-process simulated gateway). */
  ledger: PaymentLedger;
  /** Connects and migrates the store, then finds (or provisions) the topic and queues. */
  init(): Promise<void>;
  close(): Promise<void>;
}

/**
 * sqlite + embedded: one file holds orders and messages (they commit together).
 * sqlite + sqs and postgres + sqs: the order's message goes to an outbox table
 * in the store's transaction and a relay publishes it to SNS.
 */
export function createBackend(config: ServiceConfig, deps: FactoryDeps): Backend {
  const topic = config.queue.topic;
  if (config.store === 'postgres') {
    const database = createPostgres(config, deps);
    const outbox = new PostgresOutbox({ database });
    const store = new PostgresOrderStore({ database, outbox }, { topic });
    const bus = createSqsBus(config, deps);
    return {
      store,
      bus,
      outbox,
      ledger: new PostgresPaymentLedger({ database }),
      init: async () => {
        await database.init();
        await bus.init();
      },
      close: async () => {
        await bus.close();
        await database.close();
      },
    };
  }
  const database = new SqliteDatabase({ path: config.dbPath });
  const ledger = new SqlitePaymentLedger({ database });
  if (config.bus === 'sqs') {
    const outbox = new SqliteOutbox({ database, clock: deps.clock });
    const bus = createSqsBus(config, deps);
    return {
      store: new SqliteOrderStore({ database, publisher: outbox }, { topic }),
      bus,
      outbox,
      ledger,
      init: () => bus.init(),
      close: async () => {
        await bus.close();
        await database.close();
      },
    };
  }
  const bus = new EmbeddedBus({ database, clock: deps.clock }, embeddedBusOptions(config));
  return {
    store: new SqliteOrderStore({ database, publisher: bus }, { topic }),
    bus,
    ledger,
    init: () => bus.init(),
    close: async () => {
      await bus.close();
      await database.close();
    },
  };
}

export function createPostgres(config: ServiceConfig, deps: FactoryDeps): PostgresDatabase {
  const { databaseUrl } = config;
  if (!databaseUrl) throw new Error('store postgres needs DATABASE_URL');
  return new PostgresDatabase({ logger: deps.logger }, postgresOptions({ ...config, databaseUrl }));
}

/** SNS + SQS from the standard AWS environment; an emulator endpoint without credentials gets dummy ones. */
export function createSqsBus(config: ServiceConfig, deps: FactoryDeps): SqsBus {
  const env = deps.env ?? process.env;
  const { endpoint, region } = config.aws;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
  return new SqsBus(
    { clock: deps.clock, logger: deps.logger },
    {
      ...sqsBusOptions(config),
      ...(endpoint ? { endpoint } : {}),
      // Emulators accept any key; without one the SDK would go looking for an instance role.
      ...(endpoint && !hasCredentials ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } } : {}),
      ...(region ? { region } : endpoint ? { region: 'us-east-1' } : {}),
    },
  );
}

/** The payment gateway: a `flashsale gateway` process when gatewayUrl is set, else simulated in this process. */
export function createGateway(config: ServiceConfig, deps: FactoryDeps, ledger: PaymentLedger): PaymentGateway {
  const { gatewayUrl } = config;
  if (gatewayUrl) return new HttpGateway({ logger: deps.logger }, httpGatewayOptions({ ...config, gatewayUrl }));
  return new SimulatedGateway({ clock: deps.clock, ledger }, simulatedGatewayOptions(config));
}

/** The ledger of a standalone gateway process, in its own storage. */
export function createLedger(
  config: ServiceConfig,
  deps: FactoryDeps,
): { ledger: PaymentLedger; init(): Promise<void>; close(): Promise<void> } {
  if (config.store === 'postgres') {
    const database = createPostgres(config, deps);
    return {
      ledger: new PostgresPaymentLedger({ database }),
      init: () => database.init(),
      close: () => database.close(),
    };
  }
  const database = new SqliteDatabase({ path: config.dbPath });
  return { ledger: new SqlitePaymentLedger({ database }), init: async () => {}, close: () => database.close() };
}
