import { type Static, Type } from '@sinclair/typebox';
import { FAILURE_CODES } from '../core/order.js';

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

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: LIMITS.maxIdempotencyKeyLength,
      description: 'A repeat with the same key returns the original order and never charges twice.',
    }),
  ),
});

export const OrderIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
