import type { ServiceConfig } from '../config/config.js';
import type { Catalog } from '../core/catalog.js';
import type { Clock } from '../core/clock.js';
import type { Outbox } from '../core/outbox.js';
import type { EmailSender, Logger, MessageBus, OrderStore, PaymentGateway, PaymentLedger } from '../core/ports.js';
import type { PostgresDatabase } from '../postgres/database.js';
import type { SqliteDatabase } from '../sqlite/database.js';
import {
  embeddedBusOptions,
  httpGatewayOptions,
  postgresOptions,
  simulatedGatewayOptions,
  sqsBusOptions,
} from './options.js';

/** What a role keeps: orders and their messages, orders only (the function), or the provider's ledger (the gateway). */
export type StorageNeeds = 'orders+bus' | 'orders' | 'ledger';

/**
 * The adapters a config names, for one role. Adapters are imported only when
 * named: every module loaded is a function's cold start, and the AWS SDK or
 * the PostgreSQL driver should not load where SQLite serves.
 */
export interface Storage {
  store?: OrderStore;
  /** The products and their stock, in the store's database. */
  catalog?: Catalog;
  bus?: MessageBus;
  /** Present when the bus is another system than the store: the relay publishes it. */
  outbox?: Outbox;
  ledger: PaymentLedger;
  /** The embedded SQLite database, when the store is one (its group-commit figures). */
  sqlite?: SqliteDatabase;
  /** Connects and migrates the store; finds (or provisions) the topic and queues. */
  init(): Promise<void>;
  closeBus(): Promise<void>;
  closeStore(): Promise<void>;
}

export interface StorageDeps {
  clock: Clock;
  logger: Logger;
  /** Where AWS settings not in the config are read from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export async function openStorage(config: ServiceConfig, needs: StorageNeeds, deps: StorageDeps): Promise<Storage> {
  return config.store === 'postgres' ? openPostgres(config, needs, deps) : openSqlite(config, needs, deps);
}

async function openPostgres(config: ServiceConfig, needs: StorageNeeds, deps: StorageDeps): Promise<Storage> {
  const { PostgresPaymentLedger } = await import('../postgres/payment-ledger.js');
  const database = await postgres(config, deps);
  const storage: Storage = {
    ledger: new PostgresPaymentLedger({ database }),
    init: () => database.init(),
    closeBus: async () => {},
    closeStore: () => database.close(),
  };
  if (needs === 'ledger') return storage;
  const [{ PostgresOutbox }, { PostgresOrderStore }] = await Promise.all([
    import('../postgres/outbox.js'),
    import('../postgres/order-store.js'),
  ]);
  const outbox = new PostgresOutbox({ database });
  storage.store = new PostgresOrderStore(
    { database, outbox },
    { topic: config.queue.topic, batch: config.postgres.batch, stockReservation: config.postgres.stockReservation },
  );
  if (needs === 'orders') return storage;
  const { PostgresCatalog } = await import('../postgres/catalog.js');
  storage.catalog = new PostgresCatalog({ database });
  const bus = await sqsBus(config, deps);
  return {
    ...storage,
    bus,
    outbox,
    init: async () => {
      await database.init();
      await bus.init();
    },
    closeBus: () => bus.close(),
  };
}

async function openSqlite(config: ServiceConfig, needs: StorageNeeds, deps: StorageDeps): Promise<Storage> {
  const [{ SqliteDatabase }, { SqlitePaymentLedger }] = await Promise.all([
    import('../sqlite/database.js'),
    import('../sqlite/payment-ledger.js'),
  ]);
  const database = new SqliteDatabase({ path: config.dbPath });
  const storage: Storage = {
    ledger: new SqlitePaymentLedger({ database }),
    sqlite: database,
    init: async () => {},
    closeBus: async () => {},
    closeStore: () => database.close(),
  };
  if (needs === 'ledger') return storage;
  const { SqliteOrderStore } = await import('../sqlite/order-store.js');
  const topic = config.queue.topic;
  // The function publishes nothing: its store needs no publisher.
  if (needs === 'orders') return { ...storage, store: new SqliteOrderStore({ database }, { topic }) };
  const { SqliteCatalog } = await import('../sqlite/catalog.js');
  storage.catalog = new SqliteCatalog({ database });
  if (config.bus === 'sqs') {
    const { SqliteOutbox } = await import('../sqlite/outbox.js');
    const outbox = new SqliteOutbox({ database, clock: deps.clock });
    const bus = await sqsBus(config, deps);
    return {
      ...storage,
      store: new SqliteOrderStore({ database, publisher: outbox }, { topic }),
      bus,
      outbox,
      init: () => bus.init(),
      closeBus: () => bus.close(),
    };
  }
  // One file holds orders and messages, so they commit together.
  const { EmbeddedBus } = await import('../sqlite/embedded-bus.js');
  const bus = new EmbeddedBus({ database, clock: deps.clock }, embeddedBusOptions(config));
  return {
    ...storage,
    store: new SqliteOrderStore({ database, publisher: bus }, { topic }),
    bus,
    init: () => bus.init(),
    closeBus: () => bus.close(),
  };
}

async function postgres(config: ServiceConfig, deps: StorageDeps): Promise<PostgresDatabase> {
  const { databaseUrl } = config;
  if (!databaseUrl) throw new Error('store postgres needs DATABASE_URL');
  const { PostgresDatabase } = await import('../postgres/database.js');
  return new PostgresDatabase({ logger: deps.logger }, postgresOptions({ ...config, databaseUrl }));
}

/** SNS + SQS from the standard AWS environment; an emulator endpoint without credentials gets dummy ones. */
async function sqsBus(config: ServiceConfig, deps: StorageDeps): Promise<MessageBus> {
  const { SqsBus } = await import('../sns-sqs/sqs-bus.js');
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

/**
 * The payment gateway: a `flashsale gateway` process when gatewayUrl is set,
 * else simulated in this process. The gateway role is the provider itself: it
 * always simulates, whatever FLASHSALE_GATEWAY_URL its environment shares with
 * the other processes (pointing it at itself would loop).
 */
export async function openGateway(
  config: ServiceConfig,
  deps: StorageDeps & { role: string },
  ledger: PaymentLedger,
): Promise<PaymentGateway> {
  const { gatewayUrl } = config;
  if (gatewayUrl && deps.role !== 'gateway') {
    const { HttpGateway } = await import('../payment/http-gateway.js');
    return new HttpGateway({ logger: deps.logger }, httpGatewayOptions({ ...config, gatewayUrl }));
  }
  const { SimulatedGateway } = await import('../payment/simulated-gateway.js');
  return new SimulatedGateway({ clock: deps.clock, ledger }, simulatedGatewayOptions(config));
}

/** The SMTP sender when one is configured; nodemailer loads only then. */
export async function openSender(smtpUrl: string | undefined): Promise<EmailSender | undefined> {
  if (!smtpUrl) return undefined;
  const { SmtpSender } = await import('../smtp/smtp-sender.js');
  return new SmtpSender(smtpUrl);
}
