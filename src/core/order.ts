/** The order model and its state machine. Field names follow the study's API. */

export type OrderStatus = 'pending' | 'processing' | 'completed' | 'failed';
export const ORDER_STATUSES: readonly OrderStatus[] = ['pending', 'processing', 'completed', 'failed'];

/** How the order was submitted: paid inline (sync) or in the background (async). */
export type OrderMode = 'sync' | 'async';

export interface OrderItem {
  product_id: string;
  quantity: number;
  price: number;
}

export interface OrderInput {
  customer_id: number;
  items: OrderItem[];
}

export interface Order {
  order_id: string;
  customer_id: number;
  status: OrderStatus;
  items: OrderItem[];
  /** Sum of price × quantity, rounded to cents. */
  total: number;
  mode: OrderMode;
  created_at: string;
  processed_at?: string;
  /** Milliseconds from the start of processing to its end (wall clock). */
  processing_time_ms?: number;
  failure_reason?: string;
  /** Why a failed order failed, as a stable code (failure_reason is the human text). */
  failure_code?: FailureCode;
}

/**
 * Why an order failed: the provider declined it, the provider kept failing
 * (payment_error inline, dead_lettered after the queue's last attempt), the
 * client left before its payment started, the process paying it died, the
 * customer cancelled it while pending, or it stayed pending past the
 * reservation timeout.
 */
export type FailureCode =
  | 'declined'
  | 'payment_error'
  | 'dead_lettered'
  | 'abandoned'
  | 'interrupted'
  | 'cancelled'
  | 'expired';
export const FAILURE_CODES: readonly FailureCode[] = [
  'declined',
  'payment_error',
  'dead_lettered',
  'abandoned',
  'interrupted',
  'cancelled',
  'expired',
];

/** Allowed transitions; the stores refuse any other (see assertTransition). */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['processing', 'failed'],
  // processing → pending releases an order whose payment never started.
  processing: ['completed', 'failed', 'pending'],
  completed: [],
  // failed → pending only when an operator redrives the order's dead-lettered message.
  failed: ['pending'],
};

export function isFinal(status: OrderStatus): boolean {
  return status === 'completed' || status === 'failed';
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses an order may move to `to` from: the guarded `from` list of a transition. */
export function sourcesOf(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => canTransition(from, to));
}

/**
 * Throws when a transition names a `from` status the state machine does not
 * allow into `to`. A caller's bug, not a race: a race is the guarded update
 * matching nothing.
 */
export function assertTransition(from: readonly OrderStatus[], to: OrderStatus): void {
  const refused = from.filter((status) => !canTransition(status, to));
  if (from.length === 0 || refused.length > 0) {
    const named = refused.length > 0 ? refused.join(', ') : 'no status';
    throw new TypeError(`order state machine: ${named} → ${to} is not an allowed transition`);
  }
}

/** Order total in cents-exact arithmetic, so 3 × 29.99 is 89.97 and not 89.97000000000001. */
export function orderTotal(items: readonly OrderItem[]): number {
  const cents = items.reduce((sum, item) => sum + Math.round(item.price * 100) * item.quantity, 0);
  return cents / 100;
}

export function newOrder(input: OrderInput, id: string, mode: OrderMode, now: number): Order {
  return {
    order_id: id,
    customer_id: input.customer_id,
    status: mode === 'sync' ? 'processing' : 'pending',
    items: input.items.map((item) => ({ product_id: item.product_id, quantity: item.quantity, price: item.price })),
    total: orderTotal(input.items),
    mode,
    created_at: new Date(now).toISOString(),
  };
}

/** The body of the queue message that asks for an order to be paid. */
export interface OrderMessage {
  type: 'order.accepted';
  order_id: string;
  customer_id: number;
  total: number;
  accepted_at: string;
}

export function orderMessage(order: Order): OrderMessage {
  return {
    type: 'order.accepted',
    order_id: order.order_id,
    customer_id: order.customer_id,
    total: order.total,
    accepted_at: order.created_at,
  };
}

export function parseOrderMessage(body: string): OrderMessage | undefined {
  try {
    const value = JSON.parse(body) as Partial<OrderMessage>;
    if (typeof value.order_id !== 'string') return undefined;
    return value as OrderMessage;
  } catch {
    return undefined;
  }
}
