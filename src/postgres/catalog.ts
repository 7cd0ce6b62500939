import {
  type Catalog,
  type ProductRow,
  type ProductSpec,
  type PutOutcome,
  type RemoveOutcome,
  type RestockOutcome,
  type SkuCounts,
  type StockChange,
  toProduct,
} from '../core/catalog.js';
import type { Product } from '../core/stock.js';
import { type StockAudit, stockAudit } from '../core/stock-audit.js';
import type { PostgresDatabase, Queryable } from './database.js';

/** Where processes hear that units came back: `'<sku>:<available>'`, sent when the change commits. */
export const STOCK_CHANNEL = 'flashsale_stock';

interface Row {
  sku: string;
  name: string;
  price_cents: string;
  initial: string;
  available: string;
  reserved: string;
  sold: string;
  per_customer_limit: number | null;
  starts_at: Date | null;
  ends_at: Date | null;
}

function fromRow(row: Row): ProductRow {
  return {
    sku: row.sku,
    name: row.name,
    price_cents: Number(row.price_cents),
    initial: Number(row.initial),
    available: Number(row.available),
    reserved: Number(row.reserved),
    sold: Number(row.sold),
    per_customer_limit: row.per_customer_limit,
    starts_at: row.starts_at?.toISOString() ?? null,
    ends_at: row.ends_at?.toISOString() ?? null,
  };
}

const NOTIFY = `pg_notify('${STOCK_CHANNEL}', c.sku || ':' || c.available) AS notified`;
const COLUMNS = '(sku, name, price_cents, initial, available, reserved, sold, per_customer_limit, starts_at, ends_at)';
const VALUES = 'VALUES ($1, $2, $3, $4, $4, 0, 0, $5, $6::timestamptz, $7::timestamptz)';

// Create or replace in one statement. The upsert locks the row and its WHERE reads the latest
// committed counts, so a reservation committed meanwhile is covered or the statement changes nothing.
const PUT = `WITH c AS (
    INSERT INTO products AS p ${COLUMNS} ${VALUES}
    ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price_cents = excluded.price_cents,
      initial = excluded.initial, available = excluded.initial - p.reserved - p.sold,
      per_customer_limit = excluded.per_customer_limit, starts_at = excluded.starts_at,
      ends_at = excluded.ends_at, updated_at = now()
    WHERE excluded.initial >= p.reserved + p.sold
    RETURNING p.*, (p.xmax = 0) AS inserted)
  SELECT c.*, ${NOTIFY} FROM c`;

const RESTOCK = `WITH c AS (
    UPDATE products SET initial = initial + $2, available = available + $2, updated_at = now()
    WHERE sku = $1 RETURNING *)
  SELECT c.*, ${NOTIFY} FROM c`;

const REMOVE = `WITH c AS (DELETE FROM products WHERE sku = $1 AND reserved = 0 RETURNING *),
  r AS (INSERT INTO retired_units (sku, sold) SELECT sku, sold FROM c WHERE sold > 0
    ON CONFLICT (sku) DO UPDATE SET sold = retired_units.sold + excluded.sold)
  SELECT * FROM c`;

const SEED = `WITH c AS (INSERT INTO products ${COLUMNS} ${VALUES} ON CONFLICT (sku) DO NOTHING RETURNING *)
  SELECT c.*, ${NOTIFY} FROM c`;

const LINES = `SELECT o.status, o.customer_id, l->>'sku' AS sku, (l->>'quantity')::bigint AS quantity
  FROM orders o CROSS JOIN LATERAL json_array_elements(o.reservation) l WHERE o.reservation IS NOT NULL`;

/**
 * The catalog in PostgreSQL, for many API and worker processes at once: each
 * operation is one statement, guarded so that it never breaks the products'
 * CHECK (the invariant) however reservations interleave with it. A change that
 * adds units notifies STOCK_CHANNEL in the same transaction; onStock hears
 * this process's changes at once and other processes' by LISTEN.
 */
export class PostgresCatalog implements Catalog {
  private readonly listeners = new Set<(change: StockChange) => void>();
  private unlisten: (() => void) | undefined;
  private unresync: (() => void) | undefined;

  constructor(private readonly deps: { database: PostgresDatabase }) {}

  async put(spec: ProductSpec): Promise<PutOutcome> {
    const { database } = this.deps;
    const values = [
      spec.sku,
      spec.name,
      spec.priceCents,
      spec.stock,
      spec.perCustomerLimit,
      spec.startsAt,
      spec.endsAt,
    ];
    const { rows } = await database.query<Row & { inserted: boolean }>(PUT, values);
    const row = rows[0];
    if (row)
      return this.changed<PutOutcome>({
        kind: row.inserted ? 'created' : 'replaced',
        product: toProduct(fromRow(row)),
      });
    const current = await database.query<{ reserved: string; sold: string }>(
      'SELECT reserved, sold FROM products WHERE sku = $1',
      [spec.sku],
    );
    const held = current.rows[0];
    // Removed between the two statements: the sku is free again, so creating it cannot conflict.
    if (!held) return this.put(spec);
    return {
      kind: 'conflict',
      reason: 'stock_below_committed',
      sku: spec.sku,
      stock: spec.stock,
      reserved: Number(held.reserved),
      sold: Number(held.sold),
    };
  }

  async restock(sku: string, add: number): Promise<RestockOutcome> {
    const { rows } = await this.deps.database.query<Row>(RESTOCK, [sku, add]);
    return rows[0]
      ? this.changed<RestockOutcome>({ kind: 'restocked', product: toProduct(fromRow(rows[0])) })
      : { kind: 'not_found' };
  }

  async remove(sku: string): Promise<RemoveOutcome> {
    const { database } = this.deps;
    const { rows } = await database.query<Row>(REMOVE, [sku]);
    if (rows[0]) {
      this.emit({ sku, available: null });
      return { kind: 'removed', product: toProduct(fromRow(rows[0])) };
    }
    const current = await database.query<{ reserved: string }>('SELECT reserved FROM products WHERE sku = $1', [sku]);
    const held = current.rows[0];
    if (!held) return { kind: 'not_found' };
    // Released between the two statements: try again.
    if (Number(held.reserved) === 0) return this.remove(sku);
    return { kind: 'conflict', reason: 'units_reserved', sku, reserved: Number(held.reserved) };
  }

  async get(sku: string): Promise<Product | undefined> {
    const { rows } = await this.deps.database.query<Row>('SELECT * FROM products WHERE sku = $1', [sku]);
    return rows[0] ? toProduct(fromRow(rows[0])) : undefined;
  }

  async list(): Promise<Product[]> {
    const { rows } = await this.deps.database.query<Row>('SELECT * FROM products ORDER BY sku');
    return rows.map((row) => toProduct(fromRow(row)));
  }

  async seed(specs: readonly ProductSpec[]): Promise<{ created: string[]; kept: string[] }> {
    // One transaction: a file is loaded whole or not at all; processes starting together each create none twice.
    const created = await this.deps.database.transaction(async (client) => {
      const rows: Row[] = [];
      for (const s of specs) {
        const values = [s.sku, s.name, s.priceCents, s.stock, s.perCustomerLimit, s.startsAt, s.endsAt];
        rows.push(...(await client.query<Row>(SEED, values)).rows);
      }
      return rows;
    });
    for (const row of created) this.emit({ sku: row.sku, available: Number(row.available) });
    const names = created.map((row) => row.sku);
    return { created: names, kept: specs.map((s) => s.sku).filter((sku) => !names.includes(sku)) };
  }

  async counts(): Promise<SkuCounts[]> {
    return countsOf(this.deps.database);
  }

  async audit(): Promise<StockAudit> {
    // One snapshot for every read: the counters and the orders as of the same moment.
    return this.deps.database.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const products = await countsOf(client);
      const retired = await client.query<{ sku: string; sold: string }>('SELECT sku, sold FROM retired_units');
      const fromOrders = await client.query<{ sku: string; reserved: string; sold: string }>(
        `SELECT sku,
           sum(CASE WHEN status IN ('pending', 'processing') THEN quantity ELSE 0 END) AS reserved,
           sum(CASE WHEN status = 'completed' THEN quantity ELSE 0 END) AS sold
         FROM (${LINES}) lines GROUP BY sku`,
      );
      const customers = await client.query<{ sku: string; customer_id: number; recorded: string; orders: string }>(
        `WITH held AS (
           SELECT sku, customer_id, sum(quantity) AS units FROM (${LINES}) lines
           WHERE status IN ('pending', 'processing', 'completed') GROUP BY sku, customer_id)
         SELECT coalesce(h.sku, c.sku) AS sku, coalesce(h.customer_id, c.customer_id) AS customer_id,
           coalesce(c.units, 0) AS recorded, coalesce(h.units, 0) AS orders
         FROM held h FULL OUTER JOIN customer_units c ON c.sku = h.sku AND c.customer_id = h.customer_id
         WHERE coalesce(c.units, 0) <> coalesce(h.units, 0)
         ORDER BY 1, 2`,
      );
      const scanned = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM orders WHERE reservation IS NOT NULL',
      );
      return stockAudit({
        products,
        retired: new Map(retired.rows.map((r) => [r.sku, Number(r.sold)])),
        fromOrders: new Map(
          fromOrders.rows.map((r) => [r.sku, { reserved: Number(r.reserved), sold: Number(r.sold) }]),
        ),
        customerDrift: customers.rows.map((r) => ({
          sku: r.sku,
          customer_id: r.customer_id,
          recorded: Number(r.recorded),
          orders: Number(r.orders),
        })),
        ordersScanned: scanned.rows[0]?.n ?? 0,
      });
    });
  }

  onStock(listener: (change: StockChange) => void): () => void {
    // Units come back in other processes too (a worker's release, another api's restock): their
    // NOTIFYs, and this process's own releases, reach the listeners through the database's channel.
    this.unlisten ??= this.deps.database.channels.listen(STOCK_CHANNEL, (payload) => {
      const at = payload.lastIndexOf(':');
      const available = Number(payload.slice(at + 1));
      if (at > 0 && Number.isFinite(available)) this.emit({ sku: payload.slice(0, at), available });
    });
    // Units that came back while the LISTEN connection was down were not heard: read every sku again.
    this.unresync ??= this.deps.database.channels.afterReconnect(() => {
      countsOf(this.deps.database).then(
        (counts) => {
          for (const { sku, available } of counts) this.emit({ sku, available });
        },
        () => undefined,
      );
    });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed<T>(outcome: T & { product: Product }): T {
    this.emit({ sku: outcome.product.sku, available: outcome.product.stock.available });
    return outcome;
  }

  private emit(change: StockChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

async function countsOf(db: Queryable): Promise<SkuCounts[]> {
  const { rows } = await db.query<Record<keyof SkuCounts, string>>(
    'SELECT sku, initial, available, reserved, sold FROM products ORDER BY sku',
  );
  return rows.map((r) => ({
    sku: r.sku,
    initial: Number(r.initial),
    available: Number(r.available),
    reserved: Number(r.reserved),
    sold: Number(r.sold),
  }));
}
