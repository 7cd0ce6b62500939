import type { ConfigOverrides } from '../config/config.js';
import { SimulatedGateway } from '../payment/simulated-gateway.js';
import type { OrderProcessor } from '../processor/order-processor.js';
import type { SqliteDatabase } from '../sqlite/database.js';
import { EmbeddedBus } from '../sqlite/embedded-bus.js';
import { SqliteOrderStore } from '../sqlite/order-store.js';
import type { SqlitePaymentLedger } from '../sqlite/payment-ledger.js';
import { type NodeExtras, type OrderNode, startNode } from './node.js';

export type ServiceExtras = NodeExtras;

/** The embedded `serve` with its parts' concrete types, for tests and the lab. */
export interface RunningService extends OrderNode {
  database: SqliteDatabase;
  store: SqliteOrderStore;
  bus: EmbeddedBus;
  ledger: SqlitePaymentLedger;
  gateway: SimulatedGateway;
  /** The queue workers; absent only with `processor: 'push'`. */
  processor: OrderProcessor;
}

/**
 * `flashsale serve` on its defaults: API, processor and simulated gateway in one
 * process on one SQLite file — built by the one composition root, startNode.
 */
export async function startService(
  overrides: ConfigOverrides = {},
  extras: ServiceExtras = {},
): Promise<RunningService> {
  const node = await startNode('serve', overrides, extras);
  const embedded =
    node.database !== undefined &&
    node.store instanceof SqliteOrderStore &&
    node.bus instanceof EmbeddedBus &&
    node.gateway instanceof SimulatedGateway;
  if (!embedded) {
    await node.close();
    throw new Error('startService runs the embedded serve: store sqlite, bus embedded, no gateway URL');
  }
  return node as RunningService;
}
