import type Database from 'better-sqlite3';
import type { ProductRow } from '../core/catalog.js';
import type { Order } from '../core/order.js';
import { type CatalogMode, type Rejection, type StockEffect, type StockLine, toCents } from '../core/stock.js';

/** What intake reads of a product. */
type IntakeRow = Pick<ProductRow, 'sku' | 'price_cents' | 'available' | 'per_customer_limit' | 'starts_at' | 'ends_at'>;

/** Units left of a sku after a reservation or a release. */
export interface SkuAvailable {
  sku: string;
  available: number;
}

export type Reservation =
  /** `lines`: the catalog lines reserved (none when every sku was open). */
  { kind: 'reserved'; lines: StockLine[]; stock: SkuAvailable[] } | { kind: 'rejected'; rejection: Rejection };

/**
 * The units orders take, give back and buy, in the SQLite file. Every method
 * is synchronous and runs inside the caller's write transaction (the order
 * store's), so the counters move in the same commit as the order row they
 * belong to. Each decrement carries its own guard (`available >= n`), and the
 * products table's CHECKs refuse any commit that would break the invariant.
 */
export class SqliteStockLedger {
  private readonly stmt: ReturnType<SqliteStockLedger['prepare']>;

  constructor(db: Database.Database) {
    this.stmt = this.prepare(db);
  }

  private prepare(db: Database.Database) {
    return {
      // The columns intake decides by, and no more: this runs for every line of every order.
      product: db.prepare(
        'SELECT sku, price_cents, available, per_customer_limit, starts_at, ends_at FROM products WHERE sku = ?',
      ),
      held: db.prepare('SELECT units FROM customer_units WHERE sku = ? AND customer_id = ?'),
      reserve: db.prepare(
        `UPDATE products SET available = available - @q, reserved = reserved + @q
         WHERE sku = @sku AND available >= @q RETURNING available`,
      ),
      release: db.prepare(
        `UPDATE products SET available = available + @q, reserved = reserved - @q
         WHERE sku = @sku AND reserved >= @q RETURNING available`,
      ),
      sell: db.prepare(
        'UPDATE products SET sold = sold + @q, reserved = reserved - @q WHERE sku = @sku AND reserved >= @q',
      ),
      available: db.prepare('SELECT available FROM products WHERE sku = ?'),
      addUnits: db.prepare(
        `INSERT INTO customer_units (sku, customer_id, units) VALUES (@sku, @customer, @q)
         ON CONFLICT (sku, customer_id) DO UPDATE SET units = units + excluded.units`,
      ),
      removeUnits: db.prepare(
        'UPDATE customer_units SET units = units - @q WHERE sku = @sku AND customer_id = @customer AND units >= @q',
      ),
      dropEmpty: db.prepare('DELETE FROM customer_units WHERE sku = @sku AND customer_id = @customer AND units = 0'),
    };
  }

  /**
   * Checks every line of `order` against the catalog and reserves them all, or
   * none: the first line refused names why, and nothing is written.
   */
  reserve(order: Order, mode: CatalogMode): Reservation {
    const now = Date.parse(order.created_at);
    const wanted = new Map<string, number>();
    for (const item of order.items) wanted.set(item.product_id, (wanted.get(item.product_id) ?? 0) + item.quantity);
    const lines: StockLine[] = [];
    for (const [sku, quantity] of wanted) {
      const product = this.stmt.product.get(sku) as IntakeRow | undefined;
      if (!product) {
        if (mode === 'closed') return { kind: 'rejected', rejection: { reason: 'unknown_sku', sku } };
        continue;
      }
      const rejection = this.refusal(order, product, quantity, now);
      if (rejection) return { kind: 'rejected', rejection };
      lines.push({ sku, quantity });
    }
    return { kind: 'reserved', lines, stock: this.take(lines, order.customer_id) };
  }

  /**
   * Applies a transition's effect to the lines an order holds. Resolves to the
   * skus whose available units changed (a release, a redrive's reservation),
   * or to `undefined` when a redrive finds a sku without enough units left:
   * nothing is written then, and the order must stay as it is.
   */
  apply(effect: StockEffect, lines: readonly StockLine[], customer: number): SkuAvailable[] | undefined {
    if (effect === 'release') return lines.map((line) => this.release(line, customer));
    if (effect === 'sell') {
      for (const { sku, quantity } of lines) {
        if (this.stmt.sell.run({ sku, q: quantity }).changes !== 1) throw mismatch('sell', sku);
      }
      return [];
    }
    if (effect === 'reserve') {
      for (const { sku, quantity } of lines) {
        const row = this.stmt.available.get(sku) as { available: number } | undefined;
        if (!row || row.available < quantity) return undefined;
      }
      return this.take(lines, customer);
    }
    return [];
  }

  private refusal(order: Order, product: IntakeRow, quantity: number, now: number): Rejection | undefined {
    const { sku } = product;
    const startsAt = product.starts_at === null ? undefined : Date.parse(product.starts_at);
    const endsAt = product.ends_at === null ? undefined : Date.parse(product.ends_at);
    if ((startsAt !== undefined && now < startsAt) || (endsAt !== undefined && now >= endsAt)) {
      return { reason: 'not_on_sale', sku, starts_at: product.starts_at, ends_at: product.ends_at };
    }
    // The catalog's price is the one charged: a client showing another is told the current one.
    if (order.items.some((item) => item.product_id === sku && toCents(item.price) !== product.price_cents)) {
      return { reason: 'price_changed', sku, price: product.price_cents / 100 };
    }
    if (product.per_customer_limit !== null) {
      const held = (this.stmt.held.get(sku, order.customer_id) as { units: number } | undefined)?.units ?? 0;
      if (held + quantity > product.per_customer_limit) {
        return { reason: 'limit_exceeded', sku, limit: product.per_customer_limit, held };
      }
    }
    if (product.available < quantity) return { reason: 'sold_out', sku, available: product.available };
    return undefined;
  }

  private take(lines: readonly StockLine[], customer: number): SkuAvailable[] {
    return lines.map(({ sku, quantity }) => {
      const row = this.stmt.reserve.get({ sku, q: quantity }) as { available: number } | undefined;
      if (!row) throw mismatch('reserve', sku);
      this.stmt.addUnits.run({ sku, customer, q: quantity });
      return { sku, available: row.available };
    });
  }

  private release({ sku, quantity }: StockLine, customer: number): SkuAvailable {
    const row = this.stmt.release.get({ sku, q: quantity }) as { available: number } | undefined;
    if (!row) throw mismatch('release', sku);
    if (this.stmt.removeUnits.run({ sku, customer, q: quantity }).changes !== 1) {
      throw mismatch('release the customer units of', sku);
    }
    this.stmt.dropEmpty.run({ sku, customer });
    return { sku, available: row.available };
  }
}

/** A guarded update that matched nothing: the counters disagree with the orders; the write is rolled back. */
function mismatch(what: string, sku: string): Error {
  return new Error(`stock: could not ${what} ${sku}: its counters disagree with the orders`);
}
