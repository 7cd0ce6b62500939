/**
 * The answers of the API, documented once and referenced by every route with
 * one line: `response: { 200: ok('Order', 'the order'), ...errors(400, 404, 503) }`.
 * Fastify serializes each answer with its schema and @fastify/swagger writes
 * the same description, headers and body into the OpenAPI document, so what is
 * documented is what is sent.
 */

type Schema = Record<string, unknown>;

/** A response as Fastify and @fastify/swagger read it: description, headers, body per media type. */
export interface ResponseDoc {
  description: string;
  headers?: Record<string, Schema>;
  content: Record<string, { schema: Schema }>;
}

/** Response headers, each described once. */
export const HEADERS = {
  location: { type: 'string', description: 'Where the order can be read: `/orders/{order_id}`.' },
  replayed: {
    type: 'string',
    enum: ['true'],
    description: 'Sent when this answer replays the first request with the same `Idempotency-Key`.',
  },
  retryAfter: {
    type: 'string',
    pattern: '^[1-9][0-9]*$',
    description: 'Whole seconds (wall clock) to wait before trying again.',
  },
  rateLimitRemaining: {
    type: 'string',
    pattern: '^[0-9]+$',
    description: 'Orders this client may still send at once (when the per-client rate limit is on).',
  },
  wwwAuthenticate: { type: 'string', description: '`Bearer realm="flashsale-admin"`.' },
  allow: { type: 'string', description: 'The methods this path answers, e.g. `POST`.' },
} as const;

/** A `$ref` to a schema added with `app.addSchema({ $id })` (it becomes `#/components/schemas/<id>`). */
export function ref(id: string): Schema {
  return { $ref: `${id}#` };
}

function json(schema: Schema): ResponseDoc['content'] {
  return { 'application/json': { schema } };
}

/** A success answer with a JSON body: a schema id or an inline schema. */
export function ok(body: string | Schema, description: string, headers?: Record<string, Schema>): ResponseDoc {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: json(typeof body === 'string' ? ref(body) : body),
  };
}

export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 502 | 503;

const retryAfter = { 'Retry-After': HEADERS.retryAfter };

/** Every error the API answers, by status: what it means, its `error` codes, its body and headers. */
export const ERROR_RESPONSES: Record<ErrorStatus, ResponseDoc> = {
  400: ok(
    'Error',
    'Bad input, nothing stored: `validation_error` (with `field`, e.g. `items[0].quantity`), `malformed_json`, `empty_body`, `invalid_utf8`, `invalid_content_length`.',
  ),
  401: ok('Error', '`unauthorized`: the admin token is missing or wrong; the request had no effect.', {
    'WWW-Authenticate': HEADERS.wwwAuthenticate,
  }),
  402: ok(
    'Error',
    '`payment_declined`: the provider declined the payment; `order` is the failed order (`failure_reason` says why).',
  ),
  403: ok('Error', '`admin_disabled`: this server has no admin token (set `FLASHSALE_ADMIN_TOKEN`).'),
  404: ok('Error', '`not_found`: no such order, dead letter or route.'),
  405: ok('Error', '`method_not_allowed`: the path exists but not with this method.', { Allow: HEADERS.allow }),
  409: ok('Error', '`not_available`: this process runs no processor, bus or autoscaler (e.g. an api-only node).'),
  413: ok('Error', '`body_too_large`: the body is over the limit (64 KiB by default).'),
  415: ok('Error', '`unsupported_media_type`: the body must be `application/json`.'),
  422: ok(
    'Error',
    '`idempotency_conflict`: this `Idempotency-Key` was used for a different request (another body or route); `order_id` is the first one.',
  ),
  429: ok(
    'RateLimited',
    '`rate_limited`: this client (API key or address) sends faster than its rate limit.',
    retryAfter,
  ),
  502: ok(
    'Error',
    '`payment_unavailable`: the payment provider failed this payment; the order is `failed` and nothing was charged.',
  ),
  503: ok(
    'Error',
    'A dependency is unavailable or the server is shutting down: `store_unavailable`, `bus_unavailable`, `shutting_down`. Nothing was stored; retry after `Retry-After`.',
    retryAfter,
  ),
};

/** The documented error answers of a route: `...errors(400, 404, 503)`. */
export function errors(...statuses: ErrorStatus[]): Partial<Record<ErrorStatus, ResponseDoc>> {
  return Object.fromEntries(statuses.map((status) => [status, ERROR_RESPONSES[status]]));
}

/**
 * 503 of `POST /orders/sync`: besides a dependency being down, admission control
 * (`overloaded`) and the open circuit breaker (`payment_unavailable`) refuse an
 * order that could not be paid in time, before anything is stored.
 */
export const SYNC_UNAVAILABLE: ResponseDoc = {
  description:
    '`overloaded`: the payments ahead would end this one after its deadline (`X-Deadline-Ms`); `payment_unavailable`: the circuit breaker is open; or a dependency is down (`store_unavailable`…). Nothing was stored; `POST /orders/async` accepts the order at once.',
  headers: retryAfter,
  content: json({ anyOf: [ref('Overloaded'), ref('BreakerOpen'), ref('Error')] }),
};

/** 409 of both order POSTs: the catalog refused the order, nothing was stored. */
export const STOCK_REJECTED: ResponseDoc = ok(
  'StockRejected',
  'Refused by the catalog, nothing stored: `sold_out` (`available`: units left, 0 when sold out — units may come back from failed orders), `limit_exceeded` (`limit` per customer, `held` already), `price_changed` (`price`: the current price, the one charged), `not_on_sale` (`starts_at`, `ends_at`). `sku` names the product, `field` the order line.',
);

/** 422 of both order POSTs: an Idempotency-Key reused for another request, or a sku the catalog does not sell. */
export const ORDER_UNPROCESSABLE: ResponseDoc = {
  description:
    '`idempotency_conflict`: this `Idempotency-Key` was used for a different request (another body or route); `order_id` is the first one. `unknown_sku` (`--catalog-mode closed`): `sku` is not in the catalog; `field` names the order line. Nothing stored.',
  content: json({ anyOf: [ref('StockRejected'), ref('Error')] }),
};
