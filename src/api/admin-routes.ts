import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Autoscaler } from '../autoscaler/autoscaler.js';
import type { DeadLetters } from '../processor/dead-letters.js';
import type { ProcessingControl, WorkerPool } from '../resilience/processing-control.js';
import { adminAuth } from './admin-auth.js';
import {
  AutoscalerState,
  adminAnswers,
  DeadLetterDetail,
  DeadLetterList,
  ProcessingState,
  RedriveResult,
} from './admin-schemas.js';

export interface AdminDeps {
  /** Bearer token; undefined = the admin API answers 403 to everything. */
  token: string | undefined;
  deadLetters?: DeadLetters;
  control?: ProcessingControl;
  pool?: WorkerPool;
  autoscaler?: Autoscaler;
}

/** Most workers an operator may ask for: beyond it is a typo, not a plan. */
const MAX_WORKERS = 10_000;

const security = [{ bearerAuth: [] }];

/**
 * Operations over HTTP under /admin, behind a bearer token: dead letters
 * (list, show, redrive), the worker count, pause and resume, the autoscaler.
 * Read-only figures stay open at /stats and /metrics.
 */
export function adminRoutes(deps: AdminDeps): FastifyPluginAsync {
  return async (app) => {
    // Hooks added here apply to this plugin's routes only (Fastify encapsulation).
    app.addHook('onRequest', adminAuth(deps.token));

    const missing = (reply: FastifyReply, what: string) =>
      reply.code(409).send({ error: 'not_available', message: `this process runs no ${what}` });

    app.get(
      '/admin/dlq',
      {
        schema: {
          tags: ['admin'],
          summary: 'Dead-letter messages, oldest first',
          security,
          // A string: this API does not coerce types, and query values are text.
          querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })) }),
          response: adminAnswers(DeadLetterList, 'Dead letters, oldest first (at most `limit`, default 100).', 400),
        },
      },
      async (request, reply) => {
        const { deadLetters } = deps;
        if (!deadLetters) return missing(reply, 'message bus');
        const { limit } = request.query as { limit?: string };
        const [messages, total] = await Promise.all([deadLetters.list(Number(limit ?? 100)), deadLetters.count()]);
        return { queue: deadLetters.queue, total, messages };
      },
    );

    app.get(
      '/admin/dlq/:id',
      {
        schema: {
          tags: ['admin'],
          summary: 'One dead letter, its body and its order',
          security,
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
          response: adminAnswers(DeadLetterDetail, 'The dead letter, its body and its order.', 400, 404),
        },
      },
      async (request, reply) => {
        const { deadLetters } = deps;
        if (!deadLetters) return missing(reply, 'message bus');
        const { id } = request.params as { id: string };
        const letter = await deadLetters.show(id);
        if (!letter) return reply.code(404).send({ error: 'not_found', message: `no dead letter ${id}` });
        return letter;
      },
    );

    app.post(
      '/admin/dlq/redrive',
      {
        schema: {
          tags: ['admin'],
          summary: 'Move dead letters back to the queue (reopening their failed orders)',
          security,
          body: Type.Object({
            ids: Type.Optional(
              Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10_000 }),
            ),
            all: Type.Optional(Type.Boolean()),
          }),
          response: adminAnswers(RedriveResult, 'What was sent back to the queue.', 400, 413, 415),
        },
      },
      async (request, reply) => {
        const { deadLetters } = deps;
        if (!deadLetters) return missing(reply, 'message bus');
        const { ids, all } = request.body as { ids?: string[]; all?: boolean };
        if ((ids === undefined) === (all !== true)) {
          return reply.code(400).send({
            error: 'validation_error',
            message: 'send either {"ids": ["…"]} or {"all": true}',
            field: ids === undefined ? 'ids' : 'all',
          });
        }
        return deadLetters.redrive(ids);
      },
    );

    app.put(
      '/admin/workers',
      {
        schema: {
          tags: ['admin'],
          summary: 'Set the processor’s worker count (turns the autoscaler off)',
          security,
          body: Type.Object({ count: Type.Integer({ minimum: 0, maximum: MAX_WORKERS }) }),
          response: adminAnswers(ProcessingState, 'The processor after the change.', 400, 413, 415),
        },
      },
      async (request, reply) => {
        const { control } = deps;
        if (!control) return missing(reply, 'order processor');
        const { count } = request.body as { count: number };
        // A manual count would be undone at the autoscaler's next round: the operator's word wins.
        if (deps.autoscaler?.enabled) await deps.autoscaler.stop(`the operator set ${count} workers`);
        control.setWorkers(count, 'operator');
        return processing();
      },
    );

    for (const action of ['pause', 'resume'] as const) {
      app.post(
        `/admin/processing/${action}`,
        {
          schema: {
            tags: ['admin'],
            summary: action === 'pause' ? 'Stop taking messages (in-flight ones finish)' : 'Take messages again',
            security,
            response: adminAnswers(ProcessingState, 'The processor after the change.', 400, 413, 415),
          },
        },
        async (_request, reply) => {
          const { control } = deps;
          if (!control) return missing(reply, 'order processor');
          if (action === 'pause') control.pause();
          else control.resume();
          return processing();
        },
      );
    }

    app.put(
      '/admin/autoscaler',
      {
        schema: {
          tags: ['admin'],
          summary: 'Turn the autoscaler on or off',
          security,
          body: Type.Object({ enabled: Type.Boolean() }),
          response: adminAnswers(AutoscalerState, 'The autoscaler after the change.', 400, 413, 415),
        },
      },
      async (request, reply) => {
        const { autoscaler } = deps;
        if (!autoscaler) return missing(reply, 'autoscaler');
        const { enabled } = request.body as { enabled: boolean };
        if (enabled) autoscaler.start();
        else await autoscaler.stop('turned off by the operator');
        return { autoscaler: autoscaler.snapshot() };
      },
    );

    function processing() {
      const pool = deps.pool?.stats();
      return {
        ...(pool ? { workers: { target: pool.target, busy: pool.busy, paused: pool.paused } } : {}),
        processing: deps.control?.snapshot(),
        autoscaler: { enabled: deps.autoscaler?.enabled ?? false },
      };
    }
  };
}
