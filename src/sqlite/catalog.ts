import type Database from 'better-sqlite3';
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
import type { SqliteDatabase } from './database.js';

// The catalog lines of orders, one row per line: what the audit adds up.
const LINES = `SELECT o.status, o.customer_id, json_extract(l.value, '$.sku') AS sku,
    json_extract(l.value, '$.quantity') AS quantity
  FROM orders o, json_each(o.reservation) l WHERE o.reservation IS NOT NULL`;

/**
 * The catalog in the SQLite file, beside the orders. Every change runs in
 * the database's group commit, as the orders' own writes do, so a change and
 * the reservations around it are serialized and durable before it answers.
 */
export class SqliteCatalog implements Catalog {
  private readonly stmt: ReturnType<SqliteCatalog['prepare']>;

  constructor(private readonly deps: { database: SqliteDatabase }) {
    this.stmt = this.prepare(deps.database.db);
  }

  private prepare(db: Database.Database) {
    const insert = `INSERT INTO products (sku, name, price_cents, initial, available, reserved, sold,
        per_customer_limit, starts_at, ends_at, created_at, updated_at)
      VALUES (@sku, @name, @price_cents, @stock, @stock, 0, 0, @per_customer_limit, @starts_at, @ends_at, @now, @now)`;
    return {
      get: db.prepare('SELECT * FROM products WHERE sku = ?'),
      list: db.prepare('SELECT * FROM products ORDER BY sku'),
      insert: db.prepare(insert),
      seed: db.prepare(`${insert} ON CONFLICT (sku) DO NOTHING`),
      replace: db.prepare(
        `UPDATE products SET name = @name, price_cents = @price_cents, initial = @stock,
           available = @stock - reserved - sold, per_customer_limit = @per_customer_limit,
           starts_at = @starts_at, ends_at = @ends_at, updated_at = @now
         WHERE sku = @sku`,
      ),
      restock: db.prepare(
        'UPDATE products SET initial = initial + @add, available = available + @add, updated_at = @now WHERE sku = @sku',
      ),
      remove: db.prepare('DELETE FROM products WHERE sku = ?'),
      retire: db.prepare(
        'INSERT INTO retired_units (sku, sold) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET sold = sold + excluded.sold',
      ),
      counts: db.prepare('SELECT sku, initial, available, reserved, sold FROM products ORDER BY sku'),
      retired: db.prepare('SELECT sku, sold FROM retired_units'),
      scanned: db.prepare('SELECT count(*) AS n FROM orders WHERE reservation IS NOT NULL'),
      fromOrders: db.prepare(
        `SELECT sku,
           sum(CASE WHEN status IN ('pending', 'processing') THEN quantity ELSE 0 END) AS reserved,
           sum(CASE WHEN status = 'completed' THEN quantity ELSE 0 END) AS sold
         FROM (${LINES}) GROUP BY sku`,
      ),
      customerDrift: db.prepare(
        `WITH held AS (
           SELECT sku, customer_id, sum(quantity) AS units FROM (${LINES})
           WHERE status IN ('pending', 'processing', 'completed') GROUP BY sku, customer_id)
         SELECT coalesce(h.sku, c.sku) AS sku, coalesce(h.customer_id, c.customer_id) AS customer_id,
           coalesce(c.units, 0) AS recorded, coalesce(h.units, 0) AS orders
         FROM held h FULL OUTER JOIN customer_units c ON c.sku = h.sku AND c.customer_id = h.customer_id
         WHERE coalesce(c.units, 0) <> coalesce(h.units, 0)
         ORDER BY 1, 2`,
      ),
    };
  }

  async put(spec: ProductSpec): Promise<PutOutcome> {
    const outcome = await this.deps.database.write((): PutOutcome => {
      const existing = this.row(spec.sku);
      const values = { ...params(spec), now: new Date().toISOString() };
      if (!existing) {
        this.stmt.insert.run(values);
        return { kind: 'created', product: toProduct(this.row(spec.sku)!) };
      }
      // Units held by orders or sold stay theirs: the new stock must cover them.
      if (spec.stock < existing.reserved + existing.sold) {
        const { reserved, sold } = existing;
        return { kind: 'conflict', reason: 'stock_below_committed', sku: spec.sku, stock: spec.stock, reserved, sold };
      }
      this.stmt.replace.run(values);
      return { kind: 'replaced', product: toProduct(this.row(spec.sku)!) };
    });
    if (outcome.kind !== 'conflict') this.changed(outcome.product);
    return outcome;
  }

  async restock(sku: string, add: number): Promise<RestockOutcome> {
    const outcome = await this.deps.database.write((): RestockOutcome => {
      const { changes } = this.stmt.restock.run({ sku, add, now: new Date().toISOString() });
      return changes === 0 ? { kind: 'not_found' } : { kind: 'restocked', product: toProduct(this.row(sku)!) };
    });
    if (outcome.kind === 'restocked') this.changed(outcome.product);
    return outcome;
  }

  async remove(sku: string): Promise<RemoveOutcome> {
    const outcome = await this.deps.database.write((): RemoveOutcome => {
      const existing = this.row(sku);
      if (!existing) return { kind: 'not_found' };
      if (existing.reserved > 0)
        return { kind: 'conflict', reason: 'units_reserved', sku, reserved: existing.reserved };
      this.stmt.remove.run(sku);
      if (existing.sold > 0) this.stmt.retire.run(sku, existing.sold);
      return { kind: 'removed', product: toProduct(existing) };
    });
    if (outcome.kind === 'removed') this.emit({ sku, available: null });
    return outcome;
  }

  async get(sku: string): Promise<Product | undefined> {
    const row = this.row(sku);
    return row ? toProduct(row) : undefined;
  }

  async list(): Promise<Product[]> {
    return (this.stmt.list.all() as ProductRow[]).map(toProduct);
  }

  async seed(specs: readonly ProductSpec[]): Promise<{ created: string[]; kept: string[] }> {
    // One transaction: a file is loaded whole or not at all.
    const created = await this.deps.database.write(() => {
      const now = new Date().toISOString();
      return specs.filter((spec) => this.stmt.seed.run({ ...params(spec), now }).changes > 0).map((s) => s.sku);
    });
    for (const sku of created) this.changed(toProduct(this.row(sku)!));
    return { created, kept: specs.map((s) => s.sku).filter((sku) => !created.includes(sku)) };
  }

  async counts(): Promise<SkuCounts[]> {
    return this.stmt.counts.all() as SkuCounts[];
  }

  async audit(): Promise<StockAudit> {
    const { stmt } = this;
    // One read transaction: the counters and the orders are compared as of the same moment.
    return this.deps.database.db.transaction(() =>
      stockAudit({
        products: stmt.counts.all() as SkuCounts[],
        retired: new Map((stmt.retired.all() as Array<{ sku: string; sold: number }>).map((r) => [r.sku, r.sold])),
        fromOrders: new Map(
          (stmt.fromOrders.all() as Array<{ sku: string; reserved: number; sold: number }>).map((r) => [
            r.sku,
            { reserved: r.reserved, sold: r.sold },
          ]),
        ),
        customerDrift: stmt.customerDrift.all() as Array<{
          sku: string;
          customer_id: number;
          recorded: number;
          orders: number;
        }>,
        ordersScanned: (stmt.scanned.get() as { n: number }).n,
      }),
    )();
  }

  onStock(listener: (change: StockChange) => void): () => void {
    // The database's: the store's releases reach the same listeners.
    return this.deps.database.onStock(listener);
  }

  private row(sku: string): ProductRow | undefined {
    return this.stmt.get.get(sku) as ProductRow | undefined;
  }

  private changed(product: Product): void {
    this.emit({ sku: product.sku, available: product.stock.available });
  }

  private emit(change: StockChange): void {
    this.deps.database.emitStock(change);
  }
}

function params(spec: ProductSpec) {
  return {
    sku: spec.sku,
    name: spec.name,
    price_cents: spec.priceCents,
    stock: spec.stock,
    per_customer_limit: spec.perCustomerLimit,
    starts_at: spec.startsAt,
    ends_at: spec.endsAt,
  };
}
