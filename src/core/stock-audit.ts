/**
 * The stock audit: every sku's units recomputed from the orders themselves
 * and compared with the counters the catalog keeps. The counters are what
 * intake decides by; the orders are what customers hold. Any difference is
 * drift — a unit sold twice, or leaked — and is reported per sku and field.
 */
import type { StockCounts } from './stock.js';

/** One disagreement. `counter` is what the catalog keeps, `orders` what the orders add up to. */
export interface AuditDrift {
  field: 'initial' | 'available' | 'reserved' | 'sold' | 'customer_units' | 'product';
  message: string;
  counter?: number;
  orders?: number;
  customer_id?: number;
}

export interface SkuAudit {
  sku: string;
  /** False for a sku orders hold or bought that is no longer (or never was) a product. */
  in_catalog: boolean;
  counters: StockCounts | null;
  /** Units of pending and processing orders (reserved), and of completed ones (sold). */
  orders: { reserved: number; sold: number };
  /** Units sold by earlier products of this sku that were removed; their orders still count. */
  retired_sold: number;
  drift: AuditDrift[];
}

export interface StockAudit {
  /** True when no sku drifted. */
  clean: boolean;
  /** Orders with reserved lines that were read. */
  orders_scanned: number;
  skus: SkuAudit[];
}

/** What an adapter reads, in one snapshot of its database. */
export interface AuditInput {
  products: ReadonlyArray<StockCounts & { sku: string }>;
  /** Units sold by removed products, by sku. */
  retired: ReadonlyMap<string, number>;
  /** Units of orders by sku: reserved (pending, processing) and sold (completed). */
  fromOrders: ReadonlyMap<string, { reserved: number; sold: number }>;
  /** Customers whose recorded units of a sku differ from their orders' (pending, processing, completed). */
  customerDrift: ReadonlyArray<{ sku: string; customer_id: number; recorded: number; orders: number }>;
  ordersScanned: number;
}

/** Customers listed per sku; the rest are counted in one more line. */
const MAX_CUSTOMERS_LISTED = 20;

export function stockAudit(input: AuditInput): StockAudit {
  const skus = new Map<string, SkuAudit>();
  const entry = (sku: string): SkuAudit => {
    let found = skus.get(sku);
    if (!found) {
      const orders = input.fromOrders.get(sku) ?? { reserved: 0, sold: 0 };
      found = { sku, in_catalog: false, counters: null, orders, retired_sold: input.retired.get(sku) ?? 0, drift: [] };
      skus.set(sku, found);
    }
    return found;
  };
  for (const { sku, ...counts } of input.products) {
    const audit = entry(sku);
    audit.in_catalog = true;
    audit.counters = counts;
    audit.drift.push(...counterDrift(counts, audit.orders, audit.retired_sold));
  }
  for (const sku of input.fromOrders.keys()) {
    const audit = entry(sku);
    if (audit.in_catalog) continue;
    const { reserved, sold } = audit.orders;
    if (reserved > 0) {
      audit.drift.push({
        field: 'product',
        message: `orders hold ${reserved} unit(s) of a sku that is not in the catalog`,
        counter: 0,
        orders: reserved,
      });
    }
    if (sold !== audit.retired_sold) {
      audit.drift.push({
        field: 'sold',
        message: `orders sold ${sold} unit(s) of a removed sku; its products sold ${audit.retired_sold}`,
        counter: audit.retired_sold,
        orders: sold,
      });
    }
  }
  const listed = new Map<string, number>();
  for (const row of input.customerDrift) {
    const audit = entry(row.sku);
    const n = (listed.get(row.sku) ?? 0) + 1;
    listed.set(row.sku, n);
    if (n <= MAX_CUSTOMERS_LISTED) {
      audit.drift.push({
        field: 'customer_units',
        message: `customer ${row.customer_id}: ${row.recorded} unit(s) recorded, orders hold or bought ${row.orders}`,
        counter: row.recorded,
        orders: row.orders,
        customer_id: row.customer_id,
      });
    }
  }
  for (const [sku, n] of listed) {
    if (n > MAX_CUSTOMERS_LISTED) {
      entry(sku).drift.push({
        field: 'customer_units',
        message: `and ${n - MAX_CUSTOMERS_LISTED} more customer(s) whose units differ`,
      });
    }
  }
  const list = [...skus.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  return { clean: list.every((s) => s.drift.length === 0), orders_scanned: input.ordersScanned, skus: list };
}

/** The invariant of the counters, then the counters against the orders. */
function counterDrift(c: StockCounts, orders: { reserved: number; sold: number }, retired: number): AuditDrift[] {
  const drift: AuditDrift[] = [];
  const sum = c.available + c.reserved + c.sold;
  if (c.initial !== sum) {
    drift.push({
      field: 'initial',
      message: `initial ${c.initial} ≠ available + reserved + sold = ${sum}`,
      counter: c.initial,
    });
  }
  if (c.available < 0) drift.push({ field: 'available', message: `available is negative (${c.available})` });
  if (c.sold > c.initial) {
    drift.push({ field: 'sold', message: `sold ${c.sold} exceeds initial ${c.initial}`, counter: c.sold });
  }
  if (c.reserved !== orders.reserved) {
    drift.push({
      field: 'reserved',
      message: `counter says ${c.reserved} reserved, pending and processing orders hold ${orders.reserved}`,
      counter: c.reserved,
      orders: orders.reserved,
    });
  }
  if (c.sold + retired !== orders.sold) {
    drift.push({
      field: 'sold',
      message: `counter says ${c.sold + retired} sold${retired ? ` (${retired} by removed products)` : ''}, completed orders bought ${orders.sold}`,
      counter: c.sold + retired,
      orders: orders.sold,
    });
  }
  return drift;
}
