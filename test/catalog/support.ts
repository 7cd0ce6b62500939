import { randomUUID } from 'node:crypto';
import type { StockLine } from '../../src/core/stock.js';
import type { SqliteDatabase } from '../../src/sqlite/database.js';

export const TOKEN = 'catalog-test-admin-token-0123456789';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One request to a running server; `token` adds the admin bearer, `raw` sends a body as it is. */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.raw ?? (options.body !== undefined ? JSON.stringify(options.body) : undefined);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
}

/** Every row of the catalog's tables, to compare before and after a refused request. */
export function catalogRows(database: SqliteDatabase): unknown {
  return {
    products: database.db.prepare('SELECT * FROM products ORDER BY sku').all(),
    retired: database.db.prepare('SELECT * FROM retired_units ORDER BY sku').all(),
  };
}

/**
 * An order holding (pending) or having bought (completed) units, written into
 * the file by hand as intake and settlement write it: the order with its
 * reserved lines, the counters moved, the customer's units added.
 */
export function placeOrder(
  database: SqliteDatabase,
  order: { customer: number; status: 'pending' | 'processing' | 'completed'; lines: StockLine[] },
): string {
  const id = randomUUID();
  const { db } = database;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO orders (order_id, customer_id, status, mode, items, total, created_at, reservation)
       VALUES (?, ?, ?, 'async', '[]', 0, ?, ?)`,
    ).run(id, order.customer, order.status, new Date().toISOString(), JSON.stringify(order.lines));
    const sold = order.status === 'completed' ? 1 : 0;
    for (const { sku, quantity } of order.lines) {
      db.prepare(
        'UPDATE products SET available = available - ?, reserved = reserved + ?, sold = sold + ? WHERE sku = ?',
      ).run(quantity, sold ? 0 : quantity, sold ? quantity : 0, sku);
      db.prepare(
        `INSERT INTO customer_units (sku, customer_id, units) VALUES (?, ?, ?)
         ON CONFLICT (sku, customer_id) DO UPDATE SET units = units + excluded.units`,
      ).run(sku, order.customer, quantity);
    }
  })();
  return id;
}
