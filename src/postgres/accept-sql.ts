/**
 * The multi-row statements of the PostgreSQL accept path: every order of a
 * batch goes in as one element of `unnest` arrays, so a batch costs the same
 * few round trips as one order.
 */
import { orderMessage } from '../core/order.js';
import type { AcceptOutcome, AcceptRequest } from '../core/ports.js';
import type { StockLine } from '../core/stock.js';
import type { Queryable } from './database.js';
import { type OrderRow, toOrder } from './order-rows.js';

/** The orders of a batch as parallel arrays, in arrival order. */
const INPUT = `input AS (
    SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::text[], $6::numeric[],
      $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::boolean[], $12::text[], $13::text[])
      WITH ORDINALITY AS t(order_id, customer_id, status, mode, items, total, created_at, owner, key,
        request_hash, publish, message, reservation, ord))`;

const WRITE_ORDERS = (from: string) => `
  o AS (
    INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, owner, reservation)
    SELECT order_id, customer_id, status, mode, items::json, total, created_at, owner, reservation::json
    FROM ${from} ORDER BY ord RETURNING order_id),
  m AS (INSERT INTO outbox (topic, body) SELECT $14::text, message FROM ${from} WHERE publish ORDER BY ord)`;

/**
 * Keys, orders and messages in one statement, unless one of the skus in $15 is
 * a catalog product (then nothing is written and the products are named: the
 * batch needs the reservation transaction). Keys go in in key order, so two
 * batches sharing keys wait for each other in one direction only. A key
 * already used (or being used by a transaction still open, which this waits
 * for) inserts nothing, and neither does its order.
 */
export const WRITE_UNLESS_PRODUCTS = `WITH ${INPUT},
  guard AS (SELECT array_agg(sku) AS skus FROM products WHERE sku = ANY($15::text[])),
  k AS (
    INSERT INTO idempotency_keys (key, order_id, request_hash, created_at)
    SELECT key, order_id, request_hash, created_at FROM input, guard
    WHERE key IS NOT NULL AND guard.skus IS NULL ORDER BY key
    ON CONFLICT (key) DO NOTHING RETURNING order_id),
  fresh AS (
    SELECT input.* FROM input, guard
    WHERE guard.skus IS NULL AND (key IS NULL OR order_id IN (SELECT order_id FROM k))),
  ${WRITE_ORDERS('fresh')}
  SELECT (SELECT skus FROM guard) AS products, ARRAY(SELECT order_id FROM o) AS created`;

/** Inside the reservation transaction: claims the keys first, so that a replay never reserves. */
export const CLAIM_KEYS = `INSERT INTO idempotency_keys (key, order_id, request_hash, created_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS t(key, order_id, request_hash, created_at)
  ORDER BY key
  ON CONFLICT (key) DO NOTHING RETURNING key`;

/** The products of a batch, locked in sku order (every writer of products locks in that order). */
export const LOCK_PRODUCTS = `SELECT sku, price_cents, available, per_customer_limit, starts_at, ends_at
  FROM products WHERE sku = ANY($1::text[]) ORDER BY sku FOR UPDATE`;

/** Read after the products' locks: every change of a sku's customer_units holds its product's lock. */
export const HELD_UNITS = `SELECT sku, customer_id, units FROM customer_units
  WHERE sku = ANY($1::text[]) AND customer_id = ANY($2::integer[])`;

/**
 * The batch's accepted orders and messages, ONE decrement per sku, one upsert
 * of the customers' units, and the keys of the refused orders removed (a
 * refused order leaves nothing behind).
 */
export const WRITE_RESERVED = `WITH ${INPUT},
  ${WRITE_ORDERS('input')},
  p AS (
    UPDATE products p SET available = p.available - d.quantity, reserved = p.reserved + d.quantity
    FROM unnest($15::text[], $16::bigint[]) AS d(sku, quantity) WHERE p.sku = d.sku RETURNING p.sku),
  c AS (
    INSERT INTO customer_units (sku, customer_id, units)
    SELECT * FROM unnest($17::text[], $18::integer[], $19::integer[])
    ON CONFLICT (sku, customer_id) DO UPDATE SET units = customer_units.units + excluded.units),
  x AS (DELETE FROM idempotency_keys WHERE key = ANY($20::text[]))
  SELECT (SELECT count(*) FROM p)::int AS products`;

/** Parameters $1–$14 of INPUT and WRITE_ORDERS for `requests` (reservations by index, null = none). */
export function inputParams(
  requests: readonly AcceptRequest[],
  topic: string,
  reservations: ReadonlyArray<StockLine[] | undefined> = [],
): unknown[] {
  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  requests.forEach((request, i) => {
    const { order } = request;
    const lines = reservations[i];
    const row = [
      order.order_id,
      order.customer_id,
      order.status,
      order.mode,
      JSON.stringify(order.items),
      order.total,
      order.created_at,
      request.owner ?? null,
      request.idempotencyKey ?? null,
      request.requestHash ?? null,
      request.publish,
      request.publish ? JSON.stringify(orderMessage(order)) : null,
      lines && lines.length > 0 ? JSON.stringify(lines) : null,
    ];
    for (const [c, value] of row.entries()) columns[c]?.push(value);
  });
  return [...columns, topic];
}

/**
 * The outcome of each request whose key was already taken: the first order
 * (replayed) when the body is the same, a conflict when it differs. One read
 * for all of them.
 */
export async function resolveTakenKeys(
  db: Queryable,
  requests: readonly AcceptRequest[],
): Promise<Map<AcceptRequest, AcceptOutcome>> {
  const outcomes = new Map<AcceptRequest, AcceptOutcome>();
  if (requests.length === 0) return outcomes;
  const { rows } = await db.query<OrderRow & { key: string; key_order_id: string; request_hash: string | null }>(
    `SELECT k.key, k.order_id AS key_order_id, k.request_hash, o.*
     FROM idempotency_keys k LEFT JOIN orders o ON o.order_id = k.order_id WHERE k.key = ANY($1::text[])`,
    [requests.map((r) => r.idempotencyKey)],
  );
  const byKey = new Map(rows.map((row) => [row.key, row]));
  for (const request of requests) {
    const row = byKey.get(request.idempotencyKey as string);
    if (!row) throw new Error(`idempotency key ${request.idempotencyKey} vanished while it was being used`);
    const { requestHash } = request;
    if (requestHash !== undefined && row.request_hash !== null && row.request_hash !== requestHash) {
      outcomes.set(request, { kind: 'conflict', orderId: row.key_order_id });
    } else if (row.order_id === null) {
      throw new Error(`idempotency key ${request.idempotencyKey} names a missing order`);
    } else {
      outcomes.set(request, { kind: 'replayed', order: toOrder(row) });
    }
  }
  return outcomes;
}

const INSERT_ONE = `
  o AS (
    INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, owner)
    SELECT $1::text, $2::integer, $3::text, $4::text, $5::json, $6::numeric, $7::timestamptz, $11::text FROM source
    RETURNING order_id),
  m AS (INSERT INTO outbox (topic, body) SELECT $9::text, $10::text FROM o WHERE $8::boolean)
  SELECT count(*)::int AS created FROM o`;
const ACCEPT_ONE = `WITH source AS (SELECT 1), ${INSERT_ONE}`;
// The key row is inserted first; a concurrent request with the same key waits on it and then inserts nothing.
const ACCEPT_ONE_WITH_KEY = `WITH source AS (
    INSERT INTO idempotency_keys (key, order_id, request_hash, created_at)
    VALUES ($12::text, $1::text, $13::text, $7::timestamptz)
    ON CONFLICT (key) DO NOTHING RETURNING order_id), ${INSERT_ONE}`;

/**
 * The unbatched path (--pg-batch off), as it was before the batch: one
 * statement per order without stock, for the benchmark's side-by-side.
 */
export async function acceptOne(db: Queryable, topic: string, request: AcceptRequest): Promise<AcceptOutcome> {
  const { order, idempotencyKey, requestHash, publish } = request;
  const values: unknown[] = [
    order.order_id,
    order.customer_id,
    order.status,
    order.mode,
    JSON.stringify(order.items),
    order.total,
    order.created_at,
    publish,
    topic,
    JSON.stringify(orderMessage(order)),
    request.owner ?? null,
  ];
  const keyed = idempotencyKey !== undefined;
  if (keyed) values.push(idempotencyKey, requestHash ?? null);
  const { rows } = await db.query<{ created: number }>(keyed ? ACCEPT_ONE_WITH_KEY : ACCEPT_ONE, values);
  if ((rows[0]?.created ?? 0) > 0) return { kind: 'created', order };
  return (await resolveTakenKeys(db, [request])).get(request) as AcceptOutcome;
}
