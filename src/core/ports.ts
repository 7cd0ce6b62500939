/**
 * The ports the core needs. Adapters (sqlite, postgres, sns-sqs, smtp, http)
 * implement them; no client or connection type appears here.
 */
import type { FailureCode, Order, OrderStatus } from './order.js';
import type { CatalogMode, Rejection } from './stock.js';

export interface Lifecycle {
  /** Connects, migrates, creates what is missing. Idempotent. */
  init(): Promise<void>;
  /** Releases connections; pending writes are flushed first. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------- store

export interface AcceptRequest {
  order: Order;
  /** Client-chosen key; a repeat with the same key returns the first order. */
  idempotencyKey?: string;
  /** Digest of the request body, to tell a replay from a key reused for another order. */
  requestHash?: string;
  /** Also publish the order's message to the order topic, atomically with the row. */
  publish: boolean;
  /** The node paying a sync order inline; if it stops heart-beating, another node settles the order. */
  owner?: string;
  /**
   * Limited stock: reserve the order's catalog lines in the same transaction
   * (all or none), with `mode` deciding what a sku not in the catalog is.
   * Absent: no stock checks (a store used without a catalog).
   */
  stock?: { mode: CatalogMode };
}

export type AcceptOutcome =
  /** `stock`: the units left of each catalog sku the order reserved, after it (0 = now sold out). */
  | { kind: 'created'; order: Order; stock?: Array<{ sku: string; available: number }> }
  | { kind: 'replayed'; order: Order }
  | { kind: 'conflict'; orderId: string }
  /** Refused by the catalog; nothing was stored. */
  | { kind: 'rejected'; rejection: Rejection };

export interface TransitionPatch {
  status: OrderStatus;
  processed_at?: string;
  processing_time_ms?: number;
  failure_reason?: string;
  /** Stored with a `failed` status; any other status clears it. */
  failure_code?: FailureCode;
}

export interface NotificationDraft {
  order_id: string;
  recipient: string;
  subject: string;
  body: string;
}

export interface NotificationRecord extends NotificationDraft {
  id: number;
  created_at: string;
  /** recorded: stored only (no SMTP configured); sent / failed: the email's fate. */
  delivery: 'recorded' | 'pending' | 'sent' | 'failed';
  delivery_error?: string;
}

export interface OrderStore extends Lifecycle {
  /** Stores a new order (and its message when `publish`) durably before resolving. */
  accept(request: AcceptRequest): Promise<AcceptOutcome>;
  get(orderId: string): Promise<Order | undefined>;
  /** Whether an Idempotency-Key has been used already (its order exists). */
  hasIdempotencyKey(key: string): Promise<boolean>;
  /**
   * Moves an order from one of `from` to `patch.status`, recording `notification`
   * in the same transaction. Resolves to the updated order, or undefined when the
   * order was not in one of `from` (someone else moved it first). Rejects with a
   * TypeError, changing nothing, when TRANSITIONS does not allow a `from` into
   * `patch.status`.
   */
  transition(
    orderId: string,
    from: readonly OrderStatus[],
    patch: TransitionPatch,
    notification?: NotificationDraft,
  ): Promise<Order | undefined>;
  countByStatus(): Promise<Record<OrderStatus, number>>;
  /** Row counts that tests and operators compare before and after an operation. */
  counts(): Promise<{ orders: number; messages: number; notifications: number }>;
  notifications(query: { orderId?: string; limit?: number }): Promise<NotificationRecord[]>;
  markNotification(id: number, delivery: 'pending' | 'sent' | 'failed', error?: string): Promise<void>;
  /** Records that `node` is alive at `at` (wall ms), registering it the first time. */
  heartbeat(node: NodeInfo, at: number): Promise<void>;
  /**
   * Sync orders still `processing` that their owner may no longer be paying:
   * owned by `query.self`, by a node unknown or silent since before
   * `staleBefore` (wall ms), or by no node and created before `staleBefore`.
   * Oldest first.
   */
  strandedSyncOrders(query: { self: string; staleBefore: number; limit: number }): Promise<Order[]>;
  /** Forgets nodes silent since before `before` (wall ms); resolves to how many. */
  pruneNodes(before: number): Promise<number>;
  /** Async orders still `pending` created before `createdBefore` (ISO 8601), oldest first: the reservation sweeper's work. */
  pendingSince(query: { createdBefore: string; limit: number }): Promise<Order[]>;
}

/** A flashsale process as the store's nodes table knows it. */
export interface NodeInfo {
  /** Unique per process run. */
  id: string;
  role: string;
  /** Wall ms. */
  startedAt: number;
}

// ---------------------------------------------------------------- bus

export interface BusMessage {
  /** Stable id of the message (the same on every delivery). */
  id: string;
  body: string;
  /** Opaque handle of this delivery; needed to delete or extend it. */
  receipt: string;
  /** 1 on the first delivery. */
  receiveCount: number;
  sentAt: number;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  deadLetters: number;
}

export interface ReceiveOptions {
  maxMessages: number;
  /** Long-poll wait, simulated ms. */
  waitMs: number;
  signal?: AbortSignal;
}

export interface DeadLetter {
  id: string;
  body: string;
  receiveCount: number;
  sentAt: number;
  reason?: string;
  deadLetteredAt?: number;
}

export interface MessageBus extends Lifecycle {
  publish(topic: string, bodies: readonly string[]): Promise<void>;
  receive(queue: string, options: ReceiveOptions): Promise<BusMessage[]>;
  /** Deletes a delivered message. False when the receipt is stale (redelivered since). */
  ack(queue: string, receipt: string): Promise<boolean>;
  /** Hides a delivered message for `visibilityMs` (simulated) more from now. */
  extend(queue: string, receipt: string, visibilityMs: number): Promise<boolean>;
  /** Makes a delivered message visible again after `delayMs` (simulated). */
  release(queue: string, receipt: string, delayMs?: number): Promise<boolean>;
  /** Moves a delivered message to the queue's dead-letter queue. */
  deadLetter(queue: string, receipt: string, reason: string): Promise<boolean>;
  depth(queue: string): Promise<QueueDepth>;
  listDeadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** Moves dead letters (all, or the given ids) back to the queue; resolves to how many. */
  redrive(queue: string, ids?: readonly string[]): Promise<number>;
}

// ---------------------------------------------------------------- payments

export interface ChargeRequest {
  orderId: string;
  amount: number;
}

export type PaymentResult =
  | { status: 'approved'; chargeId: string; chargedAt: number }
  | { status: 'declined'; reason: string; chargedAt: number };

export interface GatewayStats {
  slots: number;
  inFlight: number;
  waiting: number;
  /** Payments the provider actually carried out (a replayed charge is not counted). */
  executed: number;
  approved: number;
  declined: number;
  errors: number;
  /** Simulated latency of one payment, ms. */
  latencyMs: number;
}

export interface PaymentGateway extends Lifecycle {
  /**
   * Charges an order once. Charging the same order again returns the first
   * result without a second payment. Rejects with a retryable PaymentError
   * when the provider fails; rejects with an AbortError when `signal` aborts
   * before the payment started (nothing is charged then).
   */
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult>;
  /**
   * Closes the charge of an order whose payer died: resolves to the recorded
   * result when it was charged or declined, waits for a charge of it still
   * under way, and otherwise records a void, so that no later charge of the
   * order can go through (it is declined with VOIDED_REASON, without paying).
   */
  voidUnlessCharged(orderId: string): Promise<LedgerResult>;
  stats(): GatewayStats;
}

/** A charge called off for good before it was made. */
export interface VoidedCharge {
  status: 'voided';
  voidedAt: number;
}

/** What the provider holds for an order: its payment's result, or a void. */
export type LedgerResult = PaymentResult | VoidedCharge;

/** Why a charge of a voided order is declined. */
export const VOIDED_REASON = 'the charge was voided: the checkout paying it was interrupted';

/** The provider's durable record of charges, keyed by order id. */
export interface LedgerEntry {
  orderId: string;
  amount: number;
  result: LedgerResult;
}

export interface PaymentLedger extends Lifecycle {
  /** The order's first row: its charge, or its void. */
  find(orderId: string): Promise<LedgerEntry | undefined>;
  /**
   * Records a payment carried out, unless the order was voided (atomically
   * with voidUnlessCharged); resolves to what holds: the payment, or the void.
   */
  record(entry: { orderId: string; amount: number; result: PaymentResult }): Promise<LedgerResult>;
  /** The order's recorded result if it has one, else a void recorded at `at` (wall ms). */
  voidUnlessCharged(orderId: string, at: number): Promise<LedgerResult>;
  /** Number of order ids charged more than once (must be 0). Voids are not charges. */
  duplicates(): Promise<number>;
  /** Payments recorded (approved or declined); voids are not counted. */
  count(): Promise<number>;
}

// ---------------------------------------------------------------- email

export interface Email {
  to: string;
  from: string;
  subject: string;
  text: string;
}

export interface EmailSender {
  send(email: Email): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- logging

/** The subset of pino's API the core uses. */
export interface Logger {
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  debug(obj: object | string, msg?: string): void;
}
