import type { Order } from '../core/order.js';
import { type CatalogMode, type Rejection, type StockLine, toCents } from '../core/stock.js';

/** What a reservation needs to know of a product, read under its row lock. */
export interface ProductState {
  sku: string;
  priceCents: number;
  available: number;
  perCustomerLimit: number | null;
  /** Epoch ms; null = open. */
  startsAt: number | null;
  endsAt: number | null;
}

export type Decision =
  /** `lines`: the catalog lines reserved (empty: the order has none); `stock`: units left after it. */
  | { kind: 'reserve'; lines: StockLine[]; stock: Array<{ sku: string; available: number }> }
  | { kind: 'reject'; rejection: Rejection };

/** The skus of an order's items and their units, same-sku lines summed, in the order they first appear. */
export function demandOf(order: Order): StockLine[] {
  const units = new Map<string, number>();
  for (const item of order.items) units.set(item.product_id, (units.get(item.product_id) ?? 0) + item.quantity);
  return [...units].map(([sku, quantity]) => ({ sku, quantity }));
}

const heldKey = (sku: string, customer: number) => `${sku}\u0000${customer}`;

/**
 * The reservations of one batch, decided in arrival order against the
 * products' counts as locked at its start: each order takes all its catalog
 * lines or none, and the counts move on for the next. What the batch took in
 * total is then written in one statement per table.
 */
export class BatchReservation {
  private readonly taken = new Map<string, number>();
  private readonly customerTaken = new Map<string, { sku: string; customer_id: number; units: number }>();

  constructor(
    private readonly products: ReadonlyMap<string, ProductState>,
    /** Units each (sku, customer) holds or bought, for the skus with a limit: see `customerKey`. */
    private readonly held: Map<string, number>,
  ) {}

  static customerKey = heldKey;

  decide(order: Order, mode: CatalogMode): Decision {
    const rejection = this.rejectionOf(order, mode);
    if (rejection) return { kind: 'reject', rejection };
    const lines = demandOf(order).filter((line) => this.products.has(line.sku));
    const stock: Array<{ sku: string; available: number }> = [];
    for (const { sku, quantity } of lines) {
      const product = this.products.get(sku) as ProductState;
      product.available -= quantity;
      stock.push({ sku, available: product.available });
      this.taken.set(sku, (this.taken.get(sku) ?? 0) + quantity);
      const key = heldKey(sku, order.customer_id);
      this.held.set(key, (this.held.get(key) ?? 0) + quantity);
      const mine = this.customerTaken.get(key) ?? { sku, customer_id: order.customer_id, units: 0 };
      mine.units += quantity;
      this.customerTaken.set(key, mine);
    }
    return { kind: 'reserve', lines, stock };
  }

  /** Why the order cannot have its lines now, checked item by item: window, price, limit, units. */
  rejectionOf(order: Order, mode: CatalogMode): Rejection | undefined {
    const demand = new Map(demandOf(order).map((line) => [line.sku, line.quantity]));
    const now = Date.parse(order.created_at);
    for (const item of order.items) {
      const sku = item.product_id;
      const product = this.products.get(sku);
      if (!product) {
        if (mode === 'closed') return { reason: 'unknown_sku', sku };
        continue;
      }
      if ((product.startsAt !== null && now < product.startsAt) || (product.endsAt !== null && now >= product.endsAt)) {
        return { reason: 'not_on_sale', sku, starts_at: iso(product.startsAt), ends_at: iso(product.endsAt) };
      }
      if (toCents(item.price) !== product.priceCents) {
        return { reason: 'price_changed', sku, price: product.priceCents / 100 };
      }
      const wanted = demand.get(sku) ?? item.quantity;
      if (product.perCustomerLimit !== null) {
        const held = this.held.get(heldKey(sku, order.customer_id)) ?? 0;
        if (held + wanted > product.perCustomerLimit) {
          return { reason: 'limit_exceeded', sku, limit: product.perCustomerLimit, held };
        }
      }
      if (product.available < wanted) return { reason: 'sold_out', sku, available: product.available };
    }
    return undefined;
  }

  /** Units taken per sku, by sku: the batch's one decrement per sku. */
  productDeltas(): StockLine[] {
    return [...this.taken]
      .map(([sku, quantity]) => ({ sku, quantity }))
      .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  }

  /** Units taken per (sku, customer), in key order (the order rows are locked in). */
  customerDeltas(): Array<{ sku: string; customer_id: number; units: number }> {
    return [...this.customerTaken.values()].sort((a, b) =>
      a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.customer_id - b.customer_id,
    );
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
