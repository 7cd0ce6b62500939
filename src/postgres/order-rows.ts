import type { FailureCode, Order, OrderStatus } from '../core/order.js';

/** An orders row as the driver returns it. */
export interface OrderRow {
  order_id: string;
  customer_id: number;
  status: OrderStatus;
  mode: 'sync' | 'async';
  items: Order['items'];
  total: string;
  created_at: Date;
  processed_at: Date | null;
  processing_time_ms: number | null;
  failure_reason: string | null;
  failure_code: FailureCode | null;
}

export function toOrder(row: OrderRow): Order {
  const order: Order = {
    order_id: row.order_id,
    customer_id: row.customer_id,
    status: row.status,
    items: row.items,
    total: Number(row.total),
    mode: row.mode,
    created_at: row.created_at.toISOString(),
  };
  if (row.processed_at !== null) order.processed_at = row.processed_at.toISOString();
  if (row.processing_time_ms !== null) order.processing_time_ms = row.processing_time_ms;
  if (row.failure_reason !== null) order.failure_reason = row.failure_reason;
  if (row.failure_code !== null) order.failure_code = row.failure_code;
  return order;
}
