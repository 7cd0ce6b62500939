import { createHash } from 'node:crypto';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Checkout, SubmitOptions, SubmitResult } from '../core/checkout.js';
import { FlashsaleError } from '../core/errors.js';
import type { OrderStore } from '../core/ports.js';
import type { QueueView } from '../core/queue-position.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { errors, HEADERS, ORDER_UNPROCESSABLE, ok, STOCK_REJECTED, SYNC_UNAVAILABLE } from './openapi-responses.js';
import {
  IdempotencyHeaders,
  OrderIdParams,
  type OrderInputBody,
  OrderInputSchema,
  SyncOrderHeaders,
} from './schemas.js';
import { rejectionAnswer } from './stock-answers.js';
import { DEADLINE_HEADER } from './sync-guards.js';

/** Headers of an answer that carries an order someone created. */
const created = {
  Location: HEADERS.location,
  'Idempotent-Replayed': HEADERS.replayed,
  'RateLimit-Remaining': HEADERS.rateLimitRemaining,
};

/** Hooks that may answer an order request before it is stored (429, 503). */
export interface OrderGuards {
  /** onRequest hooks of both POSTs, before the body is read (the per-client rate limit). */
  create?: onRequestAsyncHookHandler[];
  /** preHandler hooks of POST /orders/sync, after validation (circuit breaker, admission control). */
  sync?: preHandlerAsyncHookHandler[];
}

/** The study's order API: POST /orders/sync, POST /orders/async, GET /orders/:id. */
export const orderRoutes: FastifyPluginAsync<{
  checkout: Checkout;
  store: OrderStore;
  telemetry: Telemetry;
  guards?: OrderGuards;
  /** Where a pending async order stands in the payment queue (queue_position); absent: not shown. */
  queue?: QueueView;
}> = async (app, { checkout, store, telemetry, guards = {}, queue }) => {
  app.post(
    '/orders/sync',
    {
      onRequest: guards.create ?? [],
      preHandler: guards.sync ?? [],
      schema: {
        tags: ['orders'],
        summary: 'Create an order and pay it inline (the study’s synchronous checkout)',
        body: OrderInputSchema,
        headers: SyncOrderHeaders,
        response: {
          200: ok('Order', 'Paid: the order is `completed`, with `processing_time_ms`.', created),
          202: ok(
            'Order',
            'A repeat (same Idempotency-Key) of a request whose payment is still under way at the repeat’s deadline: the order as it stands; GET its Location for the outcome.',
            created,
          ),
          ...errors(400, 402, 413, 415, 429, 502),
          409: STOCK_REJECTED,
          422: ORDER_UNPROCESSABLE,
          503: SYNC_UNAVAILABLE,
        },
      },
    },
    async (request, reply) => {
      const controller = new AbortController();
      // The response closing before it was written means the client left: stop waiting for a slot.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) controller.abort();
      });
      const result = await submit(() =>
        checkout.submitSync(request.body as OrderInputBody, submitOptions(request, controller.signal)),
      );
      if (result.kind === 'completed' && !result.replayed) telemetry.observeAccepted('sync');
      return answer(reply, result, request.body as OrderInputBody, telemetry);
    },
  );

  app.post(
    '/orders/async',
    {
      onRequest: guards.create ?? [],
      schema: {
        tags: ['orders'],
        summary: 'Accept an order durably and pay it in the background (202)',
        body: OrderInputSchema,
        headers: IdempotencyHeaders,
        response: {
          202: ok('Order', 'Stored durably with its queue message: `pending`, paid in the background.', created),
          ...errors(400, 413, 415, 429, 503),
          409: STOCK_REJECTED,
          422: ORDER_UNPROCESSABLE,
        },
      },
    },
    async (request, reply) => {
      const result = await submit(() => checkout.submitAsync(request.body as OrderInputBody, submitOptions(request)));
      if (result.kind === 'accepted' && queue)
        result.order = { ...result.order, ...(await queue.place(result.order, !result.replayed)) };
      if (result.kind === 'accepted' && !result.replayed) telemetry.observeAccepted('async');
      return answer(reply, result, request.body as OrderInputBody, telemetry);
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'An order’s current status',
        params: OrderIdParams,
        response: {
          200: ok('Order', 'The order: `pending → processing → completed | failed` (with `failure_reason`).'),
          ...errors(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const found = await store.get(id);
      if (!found) return reply.code(404).send({ error: 'not_found', message: `order ${id} not found` });
      return queue ? { ...found, ...(await queue.place(found)) } : found;
    },
  );

  app.get(
    '/orders/:id/notifications',
    {
      schema: {
        tags: ['orders'],
        summary: 'Notifications sent to the customer about an order',
        params: OrderIdParams,
        response: {
          200: ok('NotificationList', 'Recorded with the order’s final transition; `delivery` is the email’s fate.'),
          ...errors(400, 404, 503),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await store.get(id))) return reply.code(404).send({ error: 'not_found', message: `order ${id} not found` });
      return { notifications: await store.notifications({ orderId: id }) };
    },
  );
};

function submitOptions(request: FastifyRequest, signal?: AbortSignal): SubmitOptions {
  const options: SubmitOptions = {};
  const key = request.headers['idempotency-key'];
  if (typeof key === 'string') {
    options.idempotencyKey = key;
    // The route is part of the digest: one key cannot stand for a sync and an async order.
    options.requestHash = createHash('sha256')
      .update(`${request.routeOptions.url} ${JSON.stringify(request.body)}`)
      .digest('base64url');
  }
  if (signal) options.signal = signal;
  // The admission guard answers 400 to a bad value; without it, a bad value leaves the default.
  const deadline = Number(request.headers[DEADLINE_HEADER]);
  if (Number.isFinite(deadline) && deadline > 0) options.deadlineMs = deadline;
  return options;
}

/** Store or bus trouble is the server's, not the client's: 503 with a clear body, never a lost 202. */
async function submit(fn: () => Promise<SubmitResult>): Promise<SubmitResult> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FlashsaleError) throw err;
    throw new FlashsaleError('store_unavailable', `the order could not be stored: ${(err as Error).message}`, true, {
      cause: err,
    });
  }
}

function answer(reply: FastifyReply, result: SubmitResult, input: OrderInputBody, telemetry: Telemetry) {
  if ('replayed' in result && result.replayed) reply.header('Idempotent-Replayed', 'true');
  switch (result.kind) {
    case 'accepted':
      return reply.code(202).header('Location', `/orders/${result.order.order_id}`).send(result.order);
    case 'completed':
      return reply.code(200).header('Location', `/orders/${result.order.order_id}`).send(result.order);
    case 'in_progress':
      return reply.code(202).header('Location', `/orders/${result.order.order_id}`).send(result.order);
    case 'declined':
      return reply.code(402).send({
        error: result.order.failure_code === 'interrupted' ? 'payment_interrupted' : 'payment_declined',
        message: result.order.failure_reason ?? 'the payment was declined',
        order_id: result.order.order_id,
        order: result.order,
      });
    case 'payment_error':
      return reply.code(502).send({
        error: 'payment_unavailable',
        message: `the payment provider failed: ${result.message}`,
        order_id: result.order.order_id,
        order: result.order,
      });
    case 'abandoned':
      return reply.code(499).send({ error: 'client_closed_request', message: 'the client went away' });
    case 'conflict':
      return reply.code(422).send({
        error: 'idempotency_conflict',
        message: 'this Idempotency-Key was already used for a different request',
        order_id: result.orderId,
      });
    case 'rejected': {
      telemetry.observeRejected(result.rejection.reason);
      const { status, body } = rejectionAnswer(result.rejection, input.items);
      return reply.code(status).send(body);
    }
  }
}
