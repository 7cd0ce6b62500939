import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { adminProductRoutes } from '../api/admin-product-routes.js';
import { orderCancelRoute } from '../api/order-cancel-route.js';
import { productRoutes } from '../api/product-routes.js';
import { busProbe, outboxProbe, type Probe, Readiness, storeProbe } from '../api/readiness.js';
import { buildApi } from '../api/server.js';
import type { Catalog } from '../core/catalog.js';
import { Checkout } from '../core/checkout.js';
import { Notifier } from '../core/notifier.js';
import type { EmailSender, MessageBus, OrderStore, PaymentGateway, PaymentLedger } from '../core/ports.js';
import { SoldOut } from '../core/sold-out.js';
import { newNodeId, SyncRecovery } from '../core/sync-recovery.js';
import { type DashboardOptions, dashboardRoutes } from '../dashboard/routes.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { OrderProcessor } from '../processor/order-processor.js';
import { Resilience } from '../resilience/resilience.js';
import { PushDelivery } from '../serverless/push-delivery.js';
import type { SqliteDatabase } from '../sqlite/database.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { VERSION } from '../version.js';
import { loadCatalogFile } from './catalog-file.js';
import type { NodeContext } from './context.js';
import { listen } from './listen.js';
import { loopBackoff, notifierOptions, outboxRelayOptions, processorOptions } from './options.js';
import { queueView, type ReservationSweeper, reservationSweeper } from './order-lifecycle.js';
import { requestsUnderWay } from './requests.js';
import { openSender, type Storage } from './storage.js';
import { addNodeSections } from './telemetry-sections.js';

export interface NodeExtras {
  /** Extra routes. */
  plugins?: FastifyPluginAsync[];
  /** Email sender to use instead of one built from notify.smtpUrl. */
  sender?: EmailSender;
  /** Live dashboard at /dashboard (and / redirecting to it); false leaves it out. Default on. */
  dashboard?: DashboardOptions | false;
}

/** A process that takes orders (serve, api), pays them (serve, worker), or both. */
export interface RunningNode {
  role: 'serve' | 'api' | 'worker';
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  app: FastifyInstance;
  store: OrderStore;
  /** The products and their stock (in the store's database). */
  catalog?: Catalog;
  bus: MessageBus;
  ledger: PaymentLedger;
  gateway: PaymentGateway;
  checkout: Checkout;
  notifier: Notifier;
  telemetry: Telemetry;
  /** Breaker, admission control, processing control, autoscaler, dead-letter tools. */
  resilience: Resilience;
  /** Heartbeat of this process and the sweeper of sync orders left by processes that died. */
  recovery: SyncRecovery;
  /** What GET /ready reports: the store takes writes, the bus (or the outbox) answers, not shutting down. */
  readiness: Readiness;
  /** Publishes outbox rows when the bus is not in the store's file. */
  relay?: OutboxRelay;
  /** Expires pending orders past `--reservation-timeout` (serve and worker, when it is set). */
  sweeper?: ReservationSweeper;
  /** The queue workers (serve and worker, unless push delivery replaces them). */
  processor?: OrderProcessor;
  /** With `processor: 'push'`: the serverless handler and the dispatcher that invokes it. */
  push?: PushDelivery;
  /** The SQLite file, when the store is the embedded one. */
  database?: SqliteDatabase;
}

/**
 * The parts of an order-taking or order-paying process, built on storage and
 * a gateway that are open already, each registering on the release stack.
 * The work is registered last, so it is the first thing a stop undoes.
 */
export async function startOrderNode(
  ctx: NodeContext & { role: RunningNode['role'] },
  storage: Storage & { store: OrderStore; bus: MessageBus },
  gateway: PaymentGateway,
  extras: NodeExtras,
): Promise<RunningNode> {
  const { role, config, clock, logger, health, releases } = ctx;
  const { bus, outbox, ledger, catalog } = storage;
  // On the embedded serve, the parts write through a store that keeps the exact queue positions.
  const { store, queue } = await queueView(ctx, storage.store);
  // Before anything takes orders: a bad file stops the start, naming the product and the field.
  if (catalog && config.catalog.file) await loadCatalogFile({ catalog, logger }, config.catalog.file);

  const sender = extras.sender ?? (await openSender(config.notify.smtpUrl));
  const notifier = new Notifier({ store, clock, logger, ...(sender ? { sender } : {}) }, notifierOptions(config));
  releases.defer('send the emails still queued', async () => {
    await notifier.idle();
    await sender?.close();
  });

  // Checkout and processor pay through the circuit breaker when it is on.
  const resilience = new Resilience({ gateway, clock, logger }, config);
  const node = { id: newNodeId(role), role, startedAt: clock.now() };
  // With a catalog, intake reserves stock; the sold-out fast path answers the crowd after the last unit.
  const soldOut = catalog ? new SoldOut(catalog) : undefined;
  const checkout = new Checkout(
    { store, gateway: resilience.gateway, notifier, clock, node: node.id, ...(soldOut ? { soldOut } : {}) },
    {
      replayDeadlineMs: config.admission.deadlineMs,
      holdAbandonedPayments: config.holdAbandonedPayments,
      ...(catalog ? { stock: { mode: config.catalog.mode } } : {}),
    },
  );
  // The embedded serve is its file's only user: sync orders of any other node were left by a run that died.
  const recovery = new SyncRecovery(
    { store, gateway, notifier, clock, logger, node, isPaying: (id) => checkout.isPaying(id) },
    { scanIntervalMs: config.syncRecovery.scanIntervalMs, soleNode: role === 'serve' && config.bus === 'embedded' },
  );
  const relay = outbox
    ? new OutboxRelay({ outbox, bus, clock, logger, health }, outboxRelayOptions(config))
    : undefined;
  const payDeps = { store, bus, gateway: resilience.gateway, notifier, clock, logger, health };
  const push =
    role !== 'api' && config.processor === 'push' ? new PushDelivery(payDeps, config, loopBackoff(config)) : undefined;
  const processor = role === 'api' || push ? undefined : new OrderProcessor(payDeps, processorOptions(config));
  const sweeper = reservationSweeper(ctx, { store, notifier });

  const telemetry = new Telemetry({
    role,
    version: VERSION,
    clock,
    store,
    queue: config.queue.name,
    gateway: () => gateway.stats(),
    health,
    ...(processor ? { processor: () => processor.stats() } : {}),
    ...(catalog ? { stock: () => catalog.counts() } : {}),
  });
  addNodeSections(telemetry, { config, bus, storage, ...(relay ? { relay } : {}), recovery });
  resilience.attach({ store, telemetry, bus, queue: config.queue.name, ...(processor ? { processor } : {}) });
  push?.attach(telemetry);
  if (sweeper) telemetry.addSection('reservations', () => sweeper.stats());
  processor?.on('settled', ({ order }) => {
    if (order.mode === 'async') telemetry.observeE2e(clock.now() - Date.parse(order.created_at));
  });

  // Orders need the store and, to reach the queue, the outbox when there is one (the relay publishes it
  // once the bus is back); a worker needs the bus it receives from. Each probe also tells the dependency
  // health, so /ready and /stats `dependencies` agree.
  const probes: Record<string, Probe> = { store: storeProbe(store) };
  if (outbox && role !== 'worker') probes.outbox = outboxProbe(outbox);
  else probes.bus = busProbe(bus, config.queue.name);
  const readiness = new Readiness({
    probes: Object.fromEntries(
      Object.entries(probes).map(([name, probe]) => [name, (signal) => health.observe(name, probe(signal))]),
    ),
    logger,
  });
  const app = await buildApi(
    { checkout, store, telemetry, logger, readiness: readiness.check, ...(queue ? { queue } : {}) },
    {
      bodyLimitBytes: config.bodyLimitBytes,
      orders: role !== 'worker',
      guards: resilience.guards(),
      plugins: [
        ...resilience.plugins(),
        ...(catalog ? [adminProductRoutes({ catalog, token: config.adminToken })] : []),
        ...(catalog && role !== 'worker' ? [productRoutes({ catalog })] : []),
        ...(role !== 'worker' ? [orderCancelRoute({ store, notifier, clock })] : []),
        ...(extras.plugins ?? []),
        ...(extras.dashboard === false ? [] : [dashboardRoutes({ telemetry }, extras.dashboard)]),
      ],
    },
  );
  // Registered before it takes orders, so that no other node takes this one's sync orders for stranded.
  await recovery.start();
  const requests = requestsUnderWay(app.server);
  const { url, port } = await listen(app, config);
  relay?.start();
  processor?.start();
  push?.start();
  sweeper?.start();
  resilience.start();
  // Released or not, work under way goes on until its payment ends (the provider finishes what it has
  // started); its order is settled, and its email queued, before the steps below close what it writes to.
  releases.defer('let the work under way end: payments recorded, orders settled', () =>
    Promise.all([requests.ended(), processor?.finished(), push?.finished(), recovery.finished()]),
  );
  // Everything that takes work stops at once and drains within one grace period;
  // messages still being paid then are released for another worker.
  releases.defer('stop taking work, drain within the grace period, release unfinished messages', async () => {
    // Not ready from the first moment, so a load balancer moves traffic elsewhere while this drains.
    readiness.shutDown();
    const grace = config.shutdownGraceMs;
    await Promise.all([
      Promise.race([app.close(), clock.sleepReal(grace)]),
      resilience.stop(),
      processor?.stop(grace),
      push?.stop(grace),
      relay?.stop(),
      recovery.stop(grace),
      sweeper?.stop(grace),
    ]);
  });
  logger.info({ store: config.store, bus: config.bus, gateway: config.gatewayUrl ?? 'in-process' }, `${role} started`);

  return {
    role,
    url,
    port,
    app,
    store: storage.store,
    ...(catalog ? { catalog } : {}),
    bus,
    ledger,
    gateway,
    checkout,
    notifier,
    telemetry,
    resilience,
    recovery,
    readiness,
    ...(relay ? { relay } : {}),
    ...(processor ? { processor } : {}),
    ...(sweeper ? { sweeper } : {}),
    ...(push ? { push } : {}),
    ...(storage.sqlite ? { database: storage.sqlite } : {}),
  };
}
