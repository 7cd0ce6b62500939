import { type TProperties, Type } from '@sinclair/typebox';
import { type ErrorStatus, errors, ok, type ResponseDoc } from './openapi-responses.js';

/** Bodies of the admin routes (inline: the admin plugin is its own scope). */

const DeadLetterProperties = {
  id: Type.String(),
  order_id: Type.Optional(Type.String()),
  order_status: Type.Optional(Type.String()),
  customer_id: Type.Optional(Type.Integer()),
  total: Type.Optional(Type.Number()),
  receive_count: Type.Integer(),
  sent_at: Type.String({ format: 'date-time' }),
  dead_lettered_at: Type.Optional(Type.String({ format: 'date-time' })),
  reason: Type.Optional(Type.String()),
} satisfies TProperties;

export const DeadLetterList = Type.Object({
  queue: Type.String(),
  total: Type.Integer({ description: 'dead letters in the queue (the list shows at most `limit`)' }),
  messages: Type.Array(Type.Object(DeadLetterProperties)),
});

export const DeadLetterDetail = Type.Object({
  ...DeadLetterProperties,
  body: Type.String({ description: 'the message as it was published' }),
  order: Type.Optional(Type.Ref('Order#')),
});

export const RedriveResult = Type.Object({
  redriven: Type.Integer({ description: 'messages moved back to the queue' }),
  reopened: Type.Array(Type.String(), { description: 'orders reopened (failed → pending)' }),
  missing: Type.Array(Type.String(), { description: 'ids asked for that are not dead letters' }),
});

/** Snapshots owned by the processor and the autoscaler: their listed keys, and any they add. */
const open = <T extends TProperties>(properties: T) => Type.Object(properties, { additionalProperties: true });

export const ProcessingState = Type.Object({
  workers: Type.Optional(Type.Object({ target: Type.Integer(), busy: Type.Integer(), paused: Type.Boolean() })),
  processing: Type.Optional(
    open({
      desired_workers: Type.Integer(),
      workers_set_by: Type.String({ description: 'config, operator or autoscaler' }),
      paused_by_operator: Type.Boolean(),
    }),
  ),
  autoscaler: Type.Object({ enabled: Type.Boolean() }),
});

export const AutoscalerState = Type.Object({
  autoscaler: open({ enabled: Type.Boolean(), min_workers: Type.Integer(), max_workers: Type.Integer() }),
});

/** The answers every admin route shares: no token configured, a wrong one, a part this process lacks. */
export function adminAnswers(
  body: object,
  description: string,
  ...more: ErrorStatus[]
): Partial<Record<200 | ErrorStatus, ResponseDoc>> {
  return { 200: ok(body as Record<string, unknown>, description), ...errors(401, 403, 409, 503, ...more) };
}
