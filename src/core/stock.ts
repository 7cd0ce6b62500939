/**
 * Limited stock: the words every part shares. A product's units are always
 * `initial = available + reserved + sold`; an order holding catalog lines
 * (pending or processing) holds them as `reserved`; its final transition
 * either sells them (completed) or returns them (failed) — in the store, in the
 * same transaction as the transition, so exactly once.
 */
import type { OrderStatus } from './order.js';

/** One catalog line an order reserved. */
export interface StockLine {
  sku: string;
  quantity: number;
}

export interface StockCounts {
  /** Every unit ever put on sale (restocks included). */
  initial: number;
  available: number;
  reserved: number;
  sold: number;
}

/** A product as the API shows it. Prices in currency units (two decimals), times as ISO 8601. */
export interface Product {
  sku: string;
  name: string;
  price: number;
  per_customer_limit: number | null;
  starts_at: string | null;
  ends_at: string | null;
  sold_out: boolean;
  stock: StockCounts;
}

/** Why an order was refused at intake; nothing of it was stored. */
export type Rejection =
  | { reason: 'sold_out'; sku: string; available: number }
  | { reason: 'limit_exceeded'; sku: string; limit: number; held: number }
  | { reason: 'price_changed'; sku: string; price: number }
  | { reason: 'not_on_sale'; sku: string; starts_at: string | null; ends_at: string | null }
  | { reason: 'unknown_sku'; sku: string };

export type RejectionReason = Rejection['reason'];

export const REJECTION_REASONS: readonly RejectionReason[] = [
  'sold_out',
  'limit_exceeded',
  'price_changed',
  'not_on_sale',
  'unknown_sku',
];

/** What a transition does to the units an order holds. */
export type StockEffect = 'release' | 'sell' | 'reserve' | undefined;

/** Statuses in which an order holds its reserved units. */
export function holdsStock(status: OrderStatus): boolean {
  return status === 'pending' || status === 'processing';
}

/**
 * The effect of moving an order from `from` to `to` on its reserved units:
 * held → failed returns them; held → completed sells them; failed → pending
 * (an operator's redrive) takes them again, which may find the sku sold out.
 */
export function stockEffect(from: OrderStatus, to: OrderStatus): StockEffect {
  if (holdsStock(from) && to === 'failed') return 'release';
  if (holdsStock(from) && to === 'completed') return 'sell';
  if (from === 'failed' && holdsStock(to)) return 'reserve';
  return undefined;
}

/** Whether unknown skus are sold as open products (unlimited, the client's price) or refused. */
export type CatalogMode = 'open' | 'closed';

/** Cents, exactly: 29.99 → 2999. */
export function toCents(price: number): number {
  return Math.round(price * 100);
}
