import type Database from 'better-sqlite3';
import {
  assertTransition,
  type FailureCode,
  ORDER_STATUSES,
  type Order,
  type OrderStatus,
  orderMessage,
} from '../core/order.js';
import type {
  AcceptOutcome,
  AcceptRequest,
  NodeInfo,
  NotificationDraft,
  NotificationRecord,
  OrderStore,
  TransitionPatch,
} from '../core/ports.js';
import type { StockLine } from '../core/stock.js';
import { stockEffect } from '../core/stock.js';
import { BatchCounts } from './batch-counts.js';
import type { SqliteDatabase } from './database.js';
import { type SkuAvailable, SqliteStockLedger } from './stock-ledger.js';

/**
 * Publishes inside the store's transaction, so an order and its message are
 * committed together or not at all. The embedded bus implements it on the
 * same database file; a store paired with a bus elsewhere uses an outbox.
 */
export interface TransactionalPublisher {
  /** Called inside the write transaction; must be synchronous. */
  publishInTransaction(topic: string, bodies: readonly string[]): void;
  /** Called after the transaction is durable (wakes waiting consumers). */
  afterCommit(): void;
}

export interface SqliteOrderStoreOptions {
  /** Topic the order messages go to. Default order-processing-events. */
  topic?: string;
}

interface OrderRow {
  order_id: string;
  customer_id: number;
  status: OrderStatus;
  mode: 'sync' | 'async';
  items: string;
  total: number;
  created_at: string;
  processed_at: string | null;
  processing_time_ms: number | null;
  failure_reason: string | null;
  failure_code: FailureCode | null;
  /** JSON [{sku, quantity}]: the catalog lines the order holds or bought; NULL when none. */
  reservation: string | null;
}

function toOrder(row: OrderRow): Order {
  const order: Order = {
    order_id: row.order_id,
    customer_id: row.customer_id,
    status: row.status,
    items: JSON.parse(row.items),
    total: row.total,
    mode: row.mode,
    created_at: row.created_at,
  };
  if (row.processed_at !== null) order.processed_at = row.processed_at;
  if (row.processing_time_ms !== null) order.processing_time_ms = row.processing_time_ms;
  if (row.failure_reason !== null) order.failure_reason = row.failure_reason;
  if (row.failure_code !== null) order.failure_code = row.failure_code;
  return order;
}

export class SqliteOrderStore implements OrderStore {
  private readonly topic: string;
  private readonly stmt: ReturnType<SqliteOrderStore['prepare']>;
  /** Orders inserted per status, written to order_counts once per batch (migration 5; updates keep a trigger). */
  private readonly inserted: BatchCounts<OrderStatus>;
  private readonly stock: SqliteStockLedger;

  constructor(
    private readonly deps: { database: SqliteDatabase; publisher?: TransactionalPublisher },
    options: SqliteOrderStoreOptions = {},
  ) {
    this.topic = options.topic ?? 'order-processing-events';
    this.stmt = this.prepare(deps.database.db);
    this.inserted = new BatchCounts((status, n) => this.stmt.addCount.run(status, n));
    deps.database.writer.addHook(this.inserted);
    this.stock = new SqliteStockLedger(deps.database.db);
  }

  private prepare(db: Database.Database) {
    return {
      insertOrder: db.prepare(
        `INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, owner, reservation)
         VALUES (@order_id, @customer_id, @status, @mode, @items, @total, @created_at, @owner, @reservation)`,
      ),
      insertKey: db.prepare(
        'INSERT INTO idempotency_keys (key, order_id, request_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      findKey: db.prepare('SELECT order_id, request_hash FROM idempotency_keys WHERE key = ?'),
      getOrder: db.prepare('SELECT * FROM orders WHERE order_id = ?'),
      update: db.prepare(
        `UPDATE orders SET status = @status,
           processed_at = COALESCE(@processed_at, processed_at),
           processing_time_ms = COALESCE(@processing_time_ms, processing_time_ms),
           failure_reason = COALESCE(@failure_reason, failure_reason),
           failure_code = @failure_code
         WHERE order_id = @order_id AND status = @from`,
      ),
      insertNotification: db.prepare(
        `INSERT INTO notifications (order_id, recipient, subject, body, created_at, delivery)
         VALUES (@order_id, @recipient, @subject, @body, @created_at, 'recorded')`,
      ),
      countByStatus: db.prepare('SELECT status, n FROM order_counts'),
      addCount: db.prepare(
        'INSERT INTO order_counts (status, n) VALUES (?, ?) ON CONFLICT (status) DO UPDATE SET n = n + excluded.n',
      ),
      counts: db.prepare(
        `SELECT (SELECT COUNT(*) FROM orders) AS orders,
                (SELECT COUNT(*) FROM bus_messages) + (SELECT COUNT(*) FROM outbox) AS messages,
                (SELECT COUNT(*) FROM notifications) AS notifications`,
      ),
      notificationsFor: db.prepare('SELECT * FROM notifications WHERE order_id = ? ORDER BY id LIMIT ?'),
      notificationsAll: db.prepare('SELECT * FROM notifications ORDER BY id DESC LIMIT ?'),
      markNotification: db.prepare('UPDATE notifications SET delivery = ?, delivery_error = ? WHERE id = ?'),
      heartbeat: db.prepare(
        `INSERT INTO nodes (node_id, role, started_at, heartbeat_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      ),
      stranded: db.prepare(
        `SELECT o.* FROM orders o LEFT JOIN nodes n ON n.node_id = o.owner
         WHERE o.status = 'processing' AND o.mode = 'sync'
           AND (o.owner = @self
             OR (o.owner IS NULL AND o.created_at < @stale_at)
             OR (o.owner IS NOT NULL AND (n.node_id IS NULL OR n.heartbeat_at < @stale)))
         ORDER BY o.created_at LIMIT @limit`,
      ),
      pruneNodes: db.prepare('DELETE FROM nodes WHERE heartbeat_at < ?'),
      pendingSince: db.prepare(
        "SELECT * FROM orders WHERE status = 'pending' AND created_at < ? ORDER BY created_at LIMIT ?",
      ),
    };
  }

  async init(): Promise<void> {}

  async close(): Promise<void> {}

  async accept(request: AcceptRequest): Promise<AcceptOutcome> {
    const { order, idempotencyKey, requestHash, publish } = request;
    const outcome = await this.deps.database.write((): AcceptOutcome => {
      if (idempotencyKey !== undefined) {
        // Read before anything is written: a replay never reserves again, a refusal leaves no key behind.
        const key = this.stmt.findKey.get(idempotencyKey) as
          | { order_id: string; request_hash: string | null }
          | undefined;
        if (key) {
          if (requestHash !== undefined && key.request_hash !== null && key.request_hash !== requestHash) {
            return { kind: 'conflict', orderId: key.order_id };
          }
          const existing = this.stmt.getOrder.get(key.order_id) as OrderRow | undefined;
          if (existing) return { kind: 'replayed', order: toOrder(existing) };
        }
      }
      const reservation = request.stock ? this.stock.reserve(order, request.stock.mode) : undefined;
      if (reservation?.kind === 'rejected') return reservation;
      if (idempotencyKey !== undefined) {
        this.stmt.insertKey.run(idempotencyKey, order.order_id, requestHash ?? null, order.created_at);
      }
      const lines = reservation && reservation.lines.length > 0 ? JSON.stringify(reservation.lines) : null;
      this.stmt.insertOrder.run({
        ...order,
        items: JSON.stringify(order.items),
        owner: request.owner ?? null,
        reservation: lines,
      });
      this.inserted.add(order.status);
      if (publish) {
        if (!this.deps.publisher) throw new Error('this store has no publisher for order messages');
        this.deps.publisher.publishInTransaction(this.topic, [JSON.stringify(orderMessage(order))]);
      }
      return reservation ? { kind: 'created', order, stock: reservation.stock } : { kind: 'created', order };
    });
    if (outcome.kind === 'created' && publish) this.deps.publisher?.afterCommit();
    return outcome;
  }

  async hasIdempotencyKey(key: string): Promise<boolean> {
    return this.stmt.findKey.get(key) !== undefined;
  }

  async get(orderId: string): Promise<Order | undefined> {
    const row = this.stmt.getOrder.get(orderId) as OrderRow | undefined;
    return row ? toOrder(row) : undefined;
  }

  async transition(
    orderId: string,
    from: readonly OrderStatus[],
    patch: TransitionPatch,
    notification?: NotificationDraft,
  ): Promise<Order | undefined> {
    assertTransition(from, patch.status);
    let released: SkuAvailable[] = [];
    const order = await this.deps.database.write(() => {
      const row = this.stmt.getOrder.get(orderId) as OrderRow | undefined;
      if (!row || !from.includes(row.status)) return undefined;
      // Moved in the same savepoint as the guarded update below: once per transition, however often it is asked.
      const lines = row.reservation === null ? [] : (JSON.parse(row.reservation) as StockLine[]);
      const changed = this.stock.apply(stockEffect(row.status, patch.status), lines, row.customer_id);
      // A redrive finding its units sold meanwhile: the order stays failed.
      if (!changed) return undefined;
      const result = this.stmt.update.run({
        order_id: orderId,
        from: row.status,
        status: patch.status,
        processed_at: patch.processed_at ?? null,
        processing_time_ms: patch.processing_time_ms ?? null,
        failure_reason: patch.failure_reason ?? null,
        failure_code: patch.status === 'failed' ? (patch.failure_code ?? null) : null,
      });
      // Cannot happen (the row was read in this transaction); throwing rolls the stock back with it.
      if (result.changes === 0) throw new Error(`order ${orderId} changed under its own transaction`);
      if (notification) this.stmt.insertNotification.run({ ...notification, created_at: new Date().toISOString() });
      released = changed;
      return toOrder(this.stmt.getOrder.get(orderId) as OrderRow);
    });
    for (const change of released) this.deps.database.emitStock(change);
    return order;
  }

  async countByStatus(): Promise<Record<OrderStatus, number>> {
    const counts = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
    for (const row of this.stmt.countByStatus.all() as Array<{ status: OrderStatus; n: number }>) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  async counts(): Promise<{ orders: number; messages: number; notifications: number }> {
    return this.stmt.counts.get() as { orders: number; messages: number; notifications: number };
  }

  async notifications(query: { orderId?: string; limit?: number }): Promise<NotificationRecord[]> {
    const limit = query.limit ?? 100;
    const rows = (
      query.orderId !== undefined
        ? this.stmt.notificationsFor.all(query.orderId, limit)
        : this.stmt.notificationsAll.all(limit)
    ) as Array<NotificationRecord & { delivery_error: string | null }>;
    return rows.map(({ delivery_error, ...rest }) =>
      delivery_error === null ? rest : { ...rest, delivery_error: delivery_error },
    );
  }

  async markNotification(id: number, delivery: 'pending' | 'sent' | 'failed', error?: string): Promise<void> {
    await this.deps.database.write(() => this.stmt.markNotification.run(delivery, error ?? null, id));
  }

  async heartbeat(node: NodeInfo, at: number): Promise<void> {
    await this.deps.database.write(() => this.stmt.heartbeat.run(node.id, node.role, node.startedAt, at));
  }

  async strandedSyncOrders(query: { self: string; staleBefore: number; limit: number }): Promise<Order[]> {
    const rows = this.stmt.stranded.all({
      self: query.self,
      stale: query.staleBefore,
      stale_at: new Date(query.staleBefore).toISOString(),
      limit: query.limit,
    }) as OrderRow[];
    return rows.map(toOrder);
  }

  async pruneNodes(before: number): Promise<number> {
    return (await this.deps.database.write(() => this.stmt.pruneNodes.run(before))).changes;
  }

  async pendingSince(query: { createdBefore: string; limit: number }): Promise<Order[]> {
    return (this.stmt.pendingSince.all(query.createdBefore, query.limit) as OrderRow[]).map(toOrder);
  }
}
