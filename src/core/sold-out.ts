/**
 * The sold-out fast path: the skus this process knows to be sold out, so that
 * the crowd arriving after the last unit is answered 409 without a database
 * write. A sku enters the set when an accept leaves it at 0 or is refused
 * sold_out with 0 left; it leaves when the catalog reports units available
 * again (a restock, a new definition, a release of a failed order).
 */
import type { StockChange } from './catalog.js';
import type { OrderItem } from './order.js';
import type { Rejection } from './stock.js';

/** Where the fast path hears that units came back: `Catalog.onStock`. */
export interface StockSource {
  onStock(listener: (change: StockChange) => void): () => void;
}

export class SoldOut {
  private readonly skus = new Set<string>();
  /**
   * How many times units came back, of any sku. An accept that read 0 marks
   * the sku only if none came back while it ran: a release heard before the
   * accept's answer must not leave the sku marked with units on sale. (Units of
   * another sku coming back meanwhile also hold the mark back: the next order
   * of the sku asks the store, which marks it then.)
   */
  private returns = 0;
  private readonly stop: () => void;

  constructor(source: StockSource) {
    this.stop = source.onStock((change) => this.heard(change));
  }

  /** Stops listening (the process is shutting down). */
  close(): void {
    this.stop();
  }

  /** The refusal of an order one of whose skus is known sold out, without asking the store. */
  check(items: readonly OrderItem[]): Rejection | undefined {
    if (this.skus.size === 0) return undefined;
    const sku = items.find((item) => this.skus.has(item.product_id))?.product_id;
    return sku === undefined ? undefined : { reason: 'sold_out', sku, available: 0 };
  }

  /** A reading to hand back to `observe` with the accept's outcome. */
  mark(): number {
    return this.returns;
  }

  /** What an accept found: the units left after it reserved, or its refusal. */
  observe(
    before: number,
    found: { stock?: ReadonlyArray<{ sku: string; available: number }>; rejection?: Rejection },
  ): void {
    if (this.returns !== before) return;
    for (const { sku, available } of found.stock ?? []) {
      if (available === 0) this.skus.add(sku);
    }
    const { rejection } = found;
    if (rejection?.reason === 'sold_out' && rejection.available === 0) {
      this.skus.add(rejection.sku);
    }
  }

  /** Whether the sku is marked sold out now. */
  has(sku: string): boolean {
    return this.skus.has(sku);
  }

  private heard(change: StockChange): void {
    if (change.available === 0) {
      this.skus.add(change.sku);
      return;
    }
    this.returns++;
    this.skus.delete(change.sku);
  }
}
