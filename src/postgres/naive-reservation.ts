/**
 * The naive reservation, kept as the benchmark's baseline
 * (FLASHSALE_STOCK_RESERVATION=naive): each order is its own transaction and
 * takes each of its skus with a conditional `UPDATE … WHERE available >= n`,
 * so every buyer of a hot sku holds its row lock across its own commit.
 */
import type { AcceptOutcome, AcceptRequest } from '../core/ports.js';
import type { Rejection, StockLine } from '../core/stock.js';
import { toCents } from '../core/stock.js';
import { type ProductRow, productState } from './accept-batch.js';
import { CLAIM_KEYS, inputParams, resolveTakenKeys, WRITE_RESERVED } from './accept-sql.js';
import type { PostgresDatabase } from './database.js';
import { BatchReservation, demandOf } from './reservation.js';

const TAKE = `UPDATE products SET available = available - $2, reserved = reserved + $2
  WHERE sku = $1 AND available >= $2 AND price_cents = ALL($3::bigint[])
    AND (starts_at IS NULL OR starts_at <= $4::timestamptz) AND (ends_at IS NULL OR ends_at > $4::timestamptz)
    AND (per_customer_limit IS NULL OR per_customer_limit >= $2)
  RETURNING available, per_customer_limit`;

// Under the product's row lock, taken by TAKE just before.
const TAKE_UNITS = `INSERT INTO customer_units AS c (sku, customer_id, units) VALUES ($1, $2, $3)
  ON CONFLICT (sku, customer_id) DO UPDATE SET units = c.units + excluded.units
  WHERE $4::integer IS NULL OR c.units + excluded.units <= $4::integer
  RETURNING units`;

class Refused {
  constructor(readonly rejection: Rejection) {}
}

/** Accepts one order with the naive reservation. */
export async function acceptNaive(
  database: PostgresDatabase,
  topic: string,
  request: AcceptRequest,
): Promise<AcceptOutcome> {
  const { order, idempotencyKey } = request;
  try {
    const outcome = await database.transaction(async (client): Promise<AcceptOutcome | undefined> => {
      if (idempotencyKey !== undefined) {
        const { rows } = await client.query(CLAIM_KEYS, [
          [idempotencyKey],
          [order.order_id],
          [request.requestHash ?? null],
          [order.created_at],
        ]);
        if (rows.length === 0) return undefined;
      }
      const reserved: StockLine[] = [];
      const stock: Array<{ sku: string; available: number }> = [];
      for (const line of [...demandOf(order)].sort((a, b) => (a.sku < b.sku ? -1 : 1))) {
        const cents = order.items.filter((i) => i.product_id === line.sku).map((i) => toCents(i.price));
        const took = await client.query<{ available: string; per_customer_limit: number | null }>(TAKE, [
          line.sku,
          line.quantity,
          cents,
          order.created_at,
        ]);
        const row = took.rows[0];
        if (!row) {
          const rejection = await whyNot(client, request, line);
          if (rejection) throw new Refused(rejection);
          continue;
        }
        const units = await client.query(TAKE_UNITS, [
          line.sku,
          order.customer_id,
          line.quantity,
          row.per_customer_limit,
        ]);
        if (units.rows.length === 0) {
          const rejection = await whyNot(client, request, line);
          throw new Refused(
            rejection ?? { reason: 'limit_exceeded', sku: line.sku, limit: row.per_customer_limit ?? 0, held: 0 },
          );
        }
        reserved.push(line);
        stock.push({ sku: line.sku, available: Number(row.available) });
      }
      await client.query(WRITE_RESERVED, [...inputParams([request], topic, [reserved]), [], [], [], [], [], []]);
      return request.stock ? { kind: 'created', order, stock } : { kind: 'created', order };
    });
    if (outcome) return outcome;
    const taken = await resolveTakenKeys(database, [request]);
    return taken.get(request) as AcceptOutcome;
  } catch (error) {
    if (error instanceof Refused) return { kind: 'rejected', rejection: error.rejection };
    throw error;
  }
}

/** Why a conditional take of `line` found nothing: undefined = not a catalog sku and the mode is open. */
async function whyNot(
  client: { query: PostgresDatabase['query'] },
  request: AcceptRequest,
  line: StockLine,
): Promise<Rejection | undefined> {
  const { order } = request;
  const { rows } = await client.query<ProductRow>(
    'SELECT sku, price_cents, available, per_customer_limit, starts_at, ends_at FROM products WHERE sku = $1',
    [line.sku],
  );
  const row = rows[0];
  if (!row) return request.stock?.mode === 'closed' ? { reason: 'unknown_sku', sku: line.sku } : undefined;
  const held = await client.query<{ units: number }>(
    'SELECT units FROM customer_units WHERE sku = $1 AND customer_id = $2',
    [line.sku, order.customer_id],
  );
  const key = BatchReservation.customerKey(line.sku, order.customer_id);
  const product = productState(row);
  const check = new BatchReservation(new Map([[line.sku, product]]), new Map([[key, held.rows[0]?.units ?? 0]]));
  const only = { ...order, items: order.items.filter((i) => i.product_id === line.sku) };
  return check.rejectionOf(only, 'open') ?? { reason: 'sold_out', sku: line.sku, available: product.available };
}
