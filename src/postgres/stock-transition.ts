/**
 * A transition of an order that holds catalog lines: its stock effect
 * (release, sell, or reserve again on a redrive) in the same transaction as
 * the guarded status update. The order's row is locked first and its status
 * read under the lock, so of two deliveries of the same message exactly one
 * moves the order — and moves its units.
 */
import type { Order, OrderStatus } from '../core/order.js';
import type { NotificationDraft, TransitionPatch } from '../core/ports.js';
import { type StockLine, stockEffect } from '../core/stock.js';
import { STOCK_CHANNEL } from './catalog.js';
import type { PostgresDatabase, Queryable } from './database.js';
import { type OrderRow, toOrder } from './order-rows.js';

/** The guarded status update with its notification; `$12` narrows it (reservation IS NULL for the one-statement path). */
export const UPDATE_STATUS = (guard = 'TRUE') => `WITH u AS (
    UPDATE orders SET status = $2::text,
      processed_at = COALESCE($3::timestamptz, processed_at),
      processing_time_ms = COALESCE($4::float8, processing_time_ms),
      failure_reason = COALESCE($5::text, failure_reason),
      failure_code = $11::text
    WHERE order_id = $1::text AND status = ANY($6::text[]) AND ${guard}
    RETURNING *),
  n AS (
    INSERT INTO notifications (order_id, recipient, subject, body, delivery)
    SELECT order_id, $7::text, $8::text, $9::text, 'recorded' FROM u WHERE $10::boolean)
  SELECT * FROM u`;

export function statusParams(
  orderId: string,
  from: readonly OrderStatus[],
  patch: TransitionPatch,
  notification?: NotificationDraft,
): unknown[] {
  return [
    orderId,
    patch.status,
    patch.processed_at ?? null,
    patch.processing_time_ms ?? null,
    patch.failure_reason ?? null,
    from,
    notification?.recipient ?? null,
    notification?.subject ?? null,
    notification?.body ?? null,
    notification !== undefined,
    patch.status === 'failed' ? (patch.failure_code ?? null) : null,
  ];
}

// Units back to available, the customer's units down, and every process told when it commits.
const RELEASE = `WITH d AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(sku, quantity)),
  p AS (
    UPDATE products p SET available = p.available + d.quantity, reserved = p.reserved - d.quantity
    FROM d WHERE p.sku = d.sku RETURNING p.sku, p.available),
  c AS (
    UPDATE customer_units c SET units = c.units - d.quantity
    FROM d WHERE c.sku = d.sku AND c.customer_id = $3::integer)
  SELECT sku, available::text, pg_notify('${STOCK_CHANNEL}', sku || ':' || available) FROM p`;

const SELL = `UPDATE products p SET reserved = p.reserved - d.quantity, sold = p.sold + d.quantity
  FROM unnest($1::text[], $2::bigint[]) AS d(sku, quantity) WHERE p.sku = d.sku`;

const LOCK_AVAILABLE = 'SELECT sku, available FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE';

const RESERVE = `WITH d AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS t(sku, quantity)),
  p AS (
    UPDATE products p SET available = p.available - d.quantity, reserved = p.reserved + d.quantity
    FROM d WHERE p.sku = d.sku),
  c AS (
    INSERT INTO customer_units (sku, customer_id, units) SELECT sku, $3::integer, quantity FROM d
    ON CONFLICT (sku, customer_id) DO UPDATE SET units = customer_units.units + excluded.units)
  SELECT 1`;

export interface StockTransition {
  order?: Order;
  /** Units available after a release, per sku (this process hears them at once; others by NOTIFY). */
  released: Array<{ sku: string; available: number }>;
}

/** The transition of an order that may hold units; undefined order = not in `from` (or a redrive finding too few units). */
export async function transitionWithStock(
  database: PostgresDatabase,
  orderId: string,
  from: readonly OrderStatus[],
  patch: TransitionPatch,
  notification?: NotificationDraft,
): Promise<StockTransition> {
  return database.transaction(async (client) => {
    const { rows } = await client.query<{ status: OrderStatus; customer_id: number; reservation: StockLine[] | null }>(
      'SELECT status, customer_id, reservation FROM orders WHERE order_id = $1 FOR UPDATE',
      [orderId],
    );
    const current = rows[0];
    if (!current || !from.includes(current.status)) return { released: [] };
    const lines = [...(current.reservation ?? [])].sort((a, b) => (a.sku < b.sku ? -1 : 1));
    const effect = lines.length > 0 ? stockEffect(current.status, patch.status) : undefined;
    const params = [lines.map((l) => l.sku), lines.map((l) => l.quantity), current.customer_id];
    let released: StockTransition['released'] = [];
    // Product rows are locked in sku order by every writer; an UPDATE … FROM locks in join order.
    if ((effect === 'release' || effect === 'sell') && lines.length > 1)
      await client.query(LOCK_AVAILABLE, [params[0]]);
    if (effect === 'release') {
      const result = await client.query<{ sku: string; available: string }>(RELEASE, params);
      released = result.rows.map((r) => ({ sku: r.sku, available: Number(r.available) }));
    } else if (effect === 'sell') {
      await client.query(SELL, params.slice(0, 2));
    } else if (effect === 'reserve' && !(await reserveAgain(client, lines, params))) {
      return { released: [] };
    }
    const updated = await client.query<OrderRow>(UPDATE_STATUS(), statusParams(orderId, from, patch, notification));
    const row = updated.rows[0];
    return row ? { order: toOrder(row), released } : { released: [] };
  });
}

/** A redrive takes its units again, or is refused when one of its skus has too few left (or is gone). */
async function reserveAgain(client: Queryable, lines: StockLine[], params: unknown[]): Promise<boolean> {
  const { rows } = await client.query<{ sku: string; available: string }>(LOCK_AVAILABLE, [lines.map((l) => l.sku)]);
  const available = new Map(rows.map((r) => [r.sku, Number(r.available)]));
  if (lines.some((l) => (available.get(l.sku) ?? -1) < l.quantity)) return false;
  await client.query(RESERVE, params);
  return true;
}
