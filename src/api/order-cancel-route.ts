import type { FastifyPluginAsync } from 'fastify';
import { cancelOrder } from '../core/cancel.js';
import type { SettleDeps } from '../core/settle.js';
import { errors, ok } from './openapi-responses.js';
import { OrderIdParams } from './schemas.js';

/** 409 of a cancel: the order is past pending; `status` says where it is. */
const NOT_CANCELLABLE = ok(
  {
    type: 'object',
    required: ['error', 'status', 'message', 'order_id'],
    properties: {
      error: { type: 'string', enum: ['not_cancellable'] },
      status: { type: 'string', enum: ['processing', 'completed', 'failed'], description: 'the order’s status now' },
      failure_code: {
        type: 'string',
        description: 'why it failed, when it did (`cancelled` for one cancelled already)',
      },
      message: { type: 'string' },
      order_id: { type: 'string' },
    },
  },
  '`not_cancellable`: a worker has started its payment (`processing`), or the order has ended (`completed`, `failed` — a repeat of a cancel answers this too, with `failure_code: cancelled`). Nothing changed.',
);

const WHY_NOT: Record<string, string> = {
  processing: 'its payment has started',
  completed: 'it has been paid',
  failed: 'it has ended already',
};

/**
 * POST /orders/{id}/cancel: the customer gives a pending order up; it ends
 * failed `cancelled`, its units go back on sale and the customer is notified.
 */
export function orderCancelRoute(deps: SettleDeps): FastifyPluginAsync {
  return async (app) => {
    app.post(
      '/orders/:id/cancel',
      {
        schema: {
          tags: ['orders'],
          summary: 'Cancel a pending order (its units go back on sale)',
          params: OrderIdParams,
          response: {
            200: ok(
              'Order',
              'Cancelled: the order is `failed` with `failure_code: cancelled`; the customer is notified.',
            ),
            409: NOT_CANCELLABLE,
            ...errors(400, 404, 503),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const result = await cancelOrder(deps, id);
        if (result.kind === 'not_found')
          return reply.code(404).send({ error: 'not_found', message: `order ${id} not found` });
        if (result.kind === 'cancelled') return result.order;
        const { status, failure_code } = result.order;
        return reply.code(409).send({
          error: 'not_cancellable',
          status,
          ...(failure_code ? { failure_code } : {}),
          message: `order ${id} cannot be cancelled: it is ${status} (${WHY_NOT[status] ?? status})`,
          order_id: id,
        });
      },
    );
  };
}
