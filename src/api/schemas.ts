import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CATALOG_LIMITS, SKU_PATTERN } from '../core/catalog.js';
import { FAILURE_CODES } from '../core/order.js';
import { REJECTION_REASONS } from '../core/stock.js';

/** Limits on an order request; anything beyond them is a client mistake (4xx). */
export const LIMITS = {
  maxItems: 100,
  maxQuantity: 1000,
  maxPrice: 1_000_000,
  maxProductIdLength: 64,
  maxIdempotencyKeyLength: 255,
} as const;

export const OrderItemSchema = Type.Object(
  {
    product_id: Type.String({ minLength: 1, maxLength: LIMITS.maxProductIdLength, examples: ['FLASH-001'] }),
    quantity: Type.Integer({ minimum: 1, maximum: LIMITS.maxQuantity, examples: [1] }),
    price: Type.Number({ minimum: 0, maximum: LIMITS.maxPrice, examples: [29.99] }),
  },
  { $id: 'OrderItem' },
);

export const OrderInputSchema = Type.Object(
  {
    customer_id: Type.Integer({ minimum: 1, maximum: 2_147_483_647, examples: [1234] }),
    items: Type.Array(Type.Ref(OrderItemSchema), { minItems: 1, maxItems: LIMITS.maxItems }),
  },
  { $id: 'OrderInput' },
);
export type OrderInputBody = Static<typeof OrderInputSchema>;

export const OrderSchema = Type.Object(
  {
    order_id: Type.String(),
    customer_id: Type.Integer(),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('processing'),
      Type.Literal('completed'),
      Type.Literal('failed'),
    ]),
    items: Type.Array(Type.Ref(OrderItemSchema)),
    total: Type.Number(),
    mode: Type.Union([Type.Literal('sync'), Type.Literal('async')]),
    created_at: Type.String({ format: 'date-time' }),
    processed_at: Type.Optional(Type.String({ format: 'date-time' })),
    processing_time_ms: Type.Optional(Type.Number()),
    failure_reason: Type.Optional(Type.String()),
    failure_code: Type.Optional(
      Type.Union(
        FAILURE_CODES.map((code) => Type.Literal(code)),
        {
          description: 'why a failed order failed; failure_reason says it in words',
        },
      ),
    ),
    queue_position: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'a pending async order only: orders ahead of it in the payment queue (0 = next)',
      }),
    ),
    queue_position_basis: Type.Optional(
      Type.Union([Type.Literal('exact'), Type.Literal('estimate')], {
        description:
          'exact: this process sees the whole queue (embedded serve); estimate: from the store’s order counts and rates',
      }),
    ),
    estimated_payment_at: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'when a worker should start its payment: now + (queue_position + 1) ÷ the rate orders left the queue over the last minute; absent while none did',
      }),
    ),
  },
  { $id: 'Order' },
);

export const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'stable machine-readable code' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the field at fault, when one is' })),
    order_id: Type.Optional(Type.String()),
    order: Type.Optional(Type.Ref(OrderSchema)),
  },
  { $id: 'Error' },
);

/** Request headers of both order POSTs. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.maxIdempotencyKeyLength,
      description:
        'A repeat with the same key returns the first order (`Idempotent-Replayed: true`) and never charges twice.',
    }),
  ),
  'x-api-key': Type.Optional(
    Type.String({
      description:
        'Identifies the client for the per-client rate limit (else its address); the header is named by FLASHSALE_RATE_LIMIT_HEADER, default x-api-key.',
    }),
  ),
});

/** Request headers of POST /orders/sync; admission control checks X-Deadline-Ms and names it in a 400. */
export const SyncOrderHeaders = Type.Object({
  ...IdempotencyHeaders.properties,
  'x-deadline-ms': Type.Optional(
    Type.String({
      description:
        'How long the client waits, simulated ms (= wall ms at time scale 1), in (0, 3600000]; default 10000. An order that could not be paid within it is refused at once (503 `overloaded`).',
    }),
  ),
});

export const OrderIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Where a refused sync order can go instead. */
const AsyncRoute = Type.Object({ method: Type.Literal('POST'), url: Type.Literal('/orders/async') });

export const RateLimitedSchema = Type.Object(
  {
    error: Type.Literal('rate_limited'),
    message: Type.String(),
    retry_after_ms: Type.Integer({ description: 'simulated ms until this client may send again' }),
  },
  { $id: 'RateLimited' },
);

export const OverloadedSchema = Type.Object(
  {
    error: Type.Literal('overloaded'),
    message: Type.String(),
    payments_ahead: Type.Integer(),
    expected_ms: Type.Number({ description: 'simulated ms until this order would have been paid' }),
    deadline_ms: Type.Number({ description: 'the deadline the client asked for (X-Deadline-Ms), simulated ms' }),
    retry_after_ms: Type.Integer(),
    async: AsyncRoute,
  },
  { $id: 'Overloaded' },
);

export const BreakerOpenSchema = Type.Object(
  {
    error: Type.Literal('payment_unavailable'),
    message: Type.String(),
    breaker: Type.Union([Type.Literal('open'), Type.Literal('half-open'), Type.Literal('closed')]),
    retry_after_ms: Type.Integer(),
    async: AsyncRoute,
  },
  { $id: 'BreakerOpen' },
);

export const NotificationSchema = Type.Object(
  {
    id: Type.Integer(),
    order_id: Type.String(),
    recipient: Type.String(),
    subject: Type.String(),
    body: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    delivery: Type.Union(
      [Type.Literal('recorded'), Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')],
      {
        description: 'recorded: stored only (no SMTP configured); pending, sent, failed: the email',
      },
    ),
    delivery_error: Type.Optional(Type.String()),
  },
  { $id: 'Notification' },
);

export const NotificationListSchema = Type.Object(
  { notifications: Type.Array(Type.Ref(NotificationSchema)) },
  { $id: 'NotificationList' },
);

// ---------------------------------------------------------------- the catalog

const units = Type.Integer({ minimum: 0 });
const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const StockCountsSchema = Type.Object(
  {
    initial: Type.Integer({ minimum: 0, description: 'every unit put on sale, restocks included' }),
    available: Type.Integer({ minimum: 0, description: 'units an order can still reserve' }),
    reserved: Type.Integer({ minimum: 0, description: 'units held by pending and processing orders' }),
    sold: Type.Integer({ minimum: 0, description: 'units of completed orders' }),
  },
  { $id: 'StockCounts', description: 'always initial = available + reserved + sold' },
);

export const ProductSchema = Type.Object(
  {
    sku: Type.String({ examples: ['FLASH-001'] }),
    name: Type.String(),
    price: Type.Number({ description: 'what an order pays per unit; an order line must carry this price' }),
    per_customer_limit: nullable(Type.Integer({ minimum: 1, description: 'units one customer may hold and buy' })),
    starts_at: nullable(Type.String({ format: 'date-time', description: 'on sale from (null: open)' })),
    ends_at: nullable(Type.String({ format: 'date-time', description: 'on sale until (null: open)' })),
    sold_out: Type.Boolean({ description: 'no unit available now (units may come back from failed orders)' }),
    stock: Type.Ref(StockCountsSchema),
  },
  { $id: 'Product' },
);

export const ProductListSchema = Type.Object(
  { products: Type.Array(Type.Ref(ProductSchema), { description: 'by sku' }) },
  { $id: 'ProductList' },
);

export const ProductInputSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: CATALOG_LIMITS.maxNameLength, examples: ['Mug'] })),
    price: Type.Number({
      minimum: 0,
      maximum: CATALOG_LIMITS.maxPrice,
      description: 'at most 2 decimals',
      examples: [29.99],
    }),
    stock: Type.Integer({
      minimum: 0,
      maximum: CATALOG_LIMITS.maxStock,
      description: 'units on sale (the new `initial`); at least the units reserved and sold already',
      examples: [1000],
    }),
    per_customer_limit: Type.Optional(nullable(Type.Integer({ minimum: 1, maximum: CATALOG_LIMITS.maxStock }))),
    starts_at: Type.Optional(nullable(Type.String({ format: 'date-time', examples: ['2026-11-27T09:00:00Z'] }))),
    ends_at: Type.Optional(nullable(Type.String({ format: 'date-time', description: 'after starts_at' }))),
  },
  {
    $id: 'ProductInput',
    additionalProperties: false,
    description: 'Only price and stock are required; a field left out is reset (name = the sku, the rest null).',
  },
);

export const RestockInputSchema = Type.Object(
  { add: Type.Integer({ minimum: 1, maximum: CATALOG_LIMITS.maxStock, examples: [100] }) },
  { $id: 'RestockInput', additionalProperties: false },
);

export const SkuParams = Type.Object({
  sku: Type.String({ pattern: SKU_PATTERN, description: 'letters, digits, `.`, `_`, `-`; at most 64' }),
});

export const ProductConflictSchema = Type.Object(
  {
    error: Type.Union([Type.Literal('stock_below_committed'), Type.Literal('units_reserved')]),
    message: Type.String(),
    field: Type.Optional(Type.String()),
    sku: Type.String(),
    stock: Type.Optional(Type.Integer({ description: 'the stock asked for' })),
    reserved: units,
    sold: Type.Optional(units),
  },
  { $id: 'ProductConflict' },
);

/** An order the catalog refused (409, or 422 `unknown_sku`); nothing was stored. */
export const StockRejectedSchema = Type.Object(
  {
    error: Type.Union(REJECTION_REASONS.map((reason) => Type.Literal(reason))),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the order line at fault, e.g. `items[0].quantity`' })),
    sku: Type.String(),
    available: Type.Optional(Type.Integer({ description: 'sold_out: units left (0: sold out)' })),
    limit: Type.Optional(Type.Integer({ description: 'limit_exceeded: units one customer may hold or buy' })),
    held: Type.Optional(Type.Integer({ description: 'limit_exceeded: units this customer holds or bought already' })),
    price: Type.Optional(Type.Number({ description: 'price_changed: the current price, the one charged' })),
    starts_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
    ends_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { $id: 'StockRejected' },
);

const AuditDriftSchema = Type.Object({
  field: Type.String({ description: 'initial, available, reserved, sold, customer_units or product' }),
  message: Type.String(),
  counter: Type.Optional(Type.Integer({ description: 'what the catalog keeps' })),
  orders: Type.Optional(Type.Integer({ description: 'what the orders add up to' })),
  customer_id: Type.Optional(Type.Integer()),
});

export const StockAuditSchema = Type.Object(
  {
    clean: Type.Boolean({ description: 'no sku drifted' }),
    orders_scanned: units,
    skus: Type.Array(
      Type.Object({
        sku: Type.String(),
        in_catalog: Type.Boolean(),
        counters: nullable(Type.Ref(StockCountsSchema)),
        orders: Type.Object({ reserved: units, sold: units }),
        retired_sold: Type.Integer({ minimum: 0, description: 'units sold by removed products of this sku' }),
        drift: Type.Array(AuditDriftSchema),
      }),
    ),
  },
  { $id: 'StockAudit' },
);
