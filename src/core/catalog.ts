/**
 * The catalog: products with a limited stock, as the core sees them. The
 * port's outcomes are values (created, replaced, not found, conflict); the
 * input of a product is checked here once, for the admin API and for a
 * catalog file alike, so both refuse the same things with the same words.
 */

import type { Product, StockCounts } from './stock.js';
import type { StockAudit } from './stock-audit.js';

/** Bounds of a product: beyond them a value is a typo, not a plan. */
export const CATALOG_LIMITS = {
  /** Units of one product (and of one restock). */
  maxStock: 1_000_000_000,
  /** The same bound as an order line's price. */
  maxPrice: 1_000_000,
  maxNameLength: 200,
  maxSkuLength: 64,
} as const;

/** Letters, digits, `.`, `_` and `-`; it goes into URLs (`/products/{sku}`) as it is. */
export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const SKU = new RegExp(SKU_PATTERN);

/** A product's definition, checked: what the admin API's PUT and a catalog file give. */
export interface ProductSpec {
  sku: string;
  name: string;
  priceCents: number;
  /** Units on sale: the new `initial`. */
  stock: number;
  perCustomerLimit: number | null;
  /** ISO 8601 (UTC, as toISOString writes it); null = open. */
  startsAt: string | null;
  endsAt: string | null;
}

export type PutOutcome =
  | { kind: 'created' | 'replaced'; product: Product }
  /** The new stock is below the units reserved and sold already; nothing changed. */
  | { kind: 'conflict'; reason: 'stock_below_committed'; sku: string; stock: number; reserved: number; sold: number };

export type RestockOutcome = { kind: 'restocked'; product: Product } | { kind: 'not_found' };

export type RemoveOutcome =
  | { kind: 'removed'; product: Product }
  | { kind: 'not_found' }
  /** Orders hold units of it; removing it would leak them. */
  | { kind: 'conflict'; reason: 'units_reserved'; sku: string; reserved: number };

/** One sku's counters, as /stats and /metrics show them. */
export interface SkuCounts extends StockCounts {
  sku: string;
}

/** Units available changed by the catalog (null: the product was removed). */
export interface StockChange {
  sku: string;
  available: number | null;
}

/**
 * The products and their counters, in the order store's database. The units
 * of orders (reserve, release, sell) move in the store's own transactions;
 * the catalog defines products and adds stock. A sku not in the catalog is
 * open: unlimited, at the client's price.
 */
export interface Catalog {
  /**
   * Creates the product, or replaces its definition: `initial := stock`,
   * `available := stock − reserved − sold` — refused (conflict) when that
   * would be negative. Fields not given are replaced by their defaults.
   */
  put(spec: ProductSpec): Promise<PutOutcome>;
  /** Adds units to `initial` and `available`. */
  restock(sku: string, add: number): Promise<RestockOutcome>;
  /** Removes a product no order holds units of; its sold units stay in the orders (and the audit). */
  remove(sku: string): Promise<RemoveOutcome>;
  get(sku: string): Promise<Product | undefined>;
  /** Every product, by sku. */
  list(): Promise<Product[]>;
  /** Creates the products that do not exist yet and leaves the others alone (a restart never resets a sale). */
  seed(specs: readonly ProductSpec[]): Promise<{ created: string[]; kept: string[] }>;
  /** Recomputes every sku's units from the orders themselves and compares them with the counters. */
  audit(): Promise<StockAudit>;
  /** Every sku's counters: one read of the products, none of the orders. */
  counts(): Promise<SkuCounts[]>;
  /**
   * Calls `listener` after a change of a sku's available units is committed:
   * the catalog's own (put, restock, remove) and the order store's releases
   * (a failed order's units back on sale) and redrives. Returns the unsubscribe function.
   */
  onStock(listener: (change: StockChange) => void): () => void;
}

/** A product row in either store, numbers already numbers. */
export interface ProductRow {
  sku: string;
  name: string;
  price_cents: number;
  initial: number;
  available: number;
  reserved: number;
  sold: number;
  per_customer_limit: number | null;
  starts_at: string | null;
  ends_at: string | null;
}

export function toProduct(row: ProductRow): Product {
  return {
    sku: row.sku,
    name: row.name,
    price: row.price_cents / 100,
    per_customer_limit: row.per_customer_limit,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    sold_out: row.available === 0,
    stock: { initial: row.initial, available: row.available, reserved: row.reserved, sold: row.sold },
  };
}

/** A value the catalog refuses, and the field it is in. */
export class ProductInputError extends Error {
  constructor(
    readonly field: string,
    /** What is wrong with it, without its name. */
    readonly reason: string,
  ) {
    super(`${field} ${reason}`);
    this.name = 'ProductInputError';
  }
}

const FIELDS = new Set(['name', 'price', 'stock', 'per_customer_limit', 'starts_at', 'ends_at']);
// RFC 3339 as JSON Schema's date-time: a date, a time and a zone, so that no two servers read it differently.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Checks a sku; throws a ProductInputError naming `field`. */
export function checkSku(sku: unknown, field = 'sku'): string {
  if (typeof sku !== 'string' || !SKU.test(sku)) {
    throw new ProductInputError(
      field,
      `must be 1 to ${CATALOG_LIMITS.maxSkuLength} letters, digits, ".", "_" or "-" (starting with a letter or digit), got ${JSON.stringify(sku)}`,
    );
  }
  return sku;
}

/**
 * Checks a product's fields (`{name?, price, stock, per_customer_limit?,
 * starts_at?, ends_at?}`) and returns its spec; throws a ProductInputError
 * naming the first field at fault. `prefix` goes before field names (a catalog
 * file's `products[2].`).
 */
export function checkProduct(sku: string, input: unknown, prefix = ''): ProductSpec {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ProductInputError(prefix.replace(/\.$/, '') || 'body', 'must be an object');
  }
  const fields = input as Record<string, unknown>;
  const fail = (field: string, message: string) => new ProductInputError(`${prefix}${field}`, message);
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) throw fail(key, `is not a product field (${[...FIELDS].join(', ')})`);
  }
  const { name = sku, price, stock, per_customer_limit = null, starts_at = null, ends_at = null } = fields;
  if (typeof name !== 'string' || name.trim() === '' || name.length > CATALOG_LIMITS.maxNameLength) {
    throw fail('name', `must be text of 1 to ${CATALOG_LIMITS.maxNameLength} characters`);
  }
  if (price === undefined) throw fail('price', 'is required');
  if (typeof price !== 'number' || !Number.isFinite(price) || price < 0 || price > CATALOG_LIMITS.maxPrice) {
    throw fail('price', `must be a number from 0 to ${CATALOG_LIMITS.maxPrice}, got ${JSON.stringify(price)}`);
  }
  // Prices are kept in cents: a third decimal would be rounded away without a word.
  if (Math.abs(price * 100 - Math.round(price * 100)) > 1e-6) {
    throw fail('price', `must have at most 2 decimals, got ${price}`);
  }
  if (stock === undefined) throw fail('stock', 'is required');
  checkUnits(stock, `${prefix}stock`, 0);
  if (per_customer_limit !== null) checkUnits(per_customer_limit, `${prefix}per_customer_limit`, 1);
  const startsAt = checkTime(starts_at, `${prefix}starts_at`);
  const endsAt = checkTime(ends_at, `${prefix}ends_at`);
  if (startsAt !== null && endsAt !== null && Date.parse(endsAt) <= Date.parse(startsAt)) {
    throw fail('ends_at', `must be after starts_at (${startsAt}), got ${endsAt}`);
  }
  return {
    sku,
    name,
    priceCents: Math.round(price * 100),
    stock: stock as number,
    perCustomerLimit: per_customer_limit as number | null,
    startsAt,
    endsAt,
  };
}

/** A whole number of units from `min` to the stock bound; throws a ProductInputError naming `field`. */
export function checkUnits(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > CATALOG_LIMITS.maxStock) {
    throw new ProductInputError(
      field,
      `must be a whole number from ${min} to ${CATALOG_LIMITS.maxStock}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkTime(value: unknown, field: string): string | null {
  if (value === null) return null;
  const time = typeof value === 'string' && DATE_TIME.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new ProductInputError(
      field,
      `must be an ISO 8601 date-time with a zone (2026-11-27T09:00:00Z) or null, got ${JSON.stringify(value)}`,
    );
  }
  return new Date(time).toISOString();
}

/**
 * The products of a catalog file: an array of products, or `{"products": [...]}`,
 * each `{sku, name?, price, stock, per_customer_limit?, starts_at?, ends_at?}`.
 * Throws a ProductInputError naming the product and its field (`products[1].price`).
 */
export function catalogEntries(document: unknown): ProductSpec[] {
  const list =
    document !== null && typeof document === 'object' && !Array.isArray(document)
      ? (document as { products?: unknown }).products
      : document;
  if (!Array.isArray(list)) {
    throw new ProductInputError('products', 'must be an array of products, or an object {"products": [...]}');
  }
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const at = `products[${i}]`;
    const { sku, ...fields } = (entry ?? {}) as Record<string, unknown>;
    try {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
        throw new ProductInputError(at, 'must be an object {sku, price, stock, …}');
      }
      checkSku(sku, `${at}.sku`);
      if (seen.has(sku as string)) throw new ProductInputError(`${at}.sku`, `repeats ${sku as string}`);
      seen.add(sku as string);
      return checkProduct(sku as string, fields, `${at}.`);
    } catch (error) {
      if (!(error instanceof ProductInputError) || typeof sku !== 'string') throw error;
      throw new ProductInputError(error.field, `${error.reason} (product ${sku})`);
    }
  });
}
