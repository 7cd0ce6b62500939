import type { FastifyReply, preHandlerAsyncHookHandler } from 'fastify';
import type { Clock } from '../core/clock.js';
import type { AdmissionControl } from '../resilience/admission.js';
import type { BreakerGateway } from '../resilience/breaker-gateway.js';

/** Header a sync client sends to say how long it waits, simulated ms (= wall ms at time scale 1). */
export const DEADLINE_HEADER = 'x-deadline-ms';

/** Longest deadline a client may ask for: an hour, simulated. */
const MAX_DEADLINE_MS = 3_600_000;

const ASYNC_ROUTE = { method: 'POST', url: '/orders/async' } as const;

/** Sets Retry-After (whole wall seconds, as HTTP wants) and returns the simulated ms for the body. */
function retryAfter(reply: FastifyReply, clock: Clock, simulatedMs: number): number {
  reply.header('Retry-After', String(Math.max(1, Math.ceil(clock.scale(simulatedMs) / 1000))));
  return Math.round(simulatedMs);
}

/** 503 at once while the breaker refuses payments, before an order is stored. */
export function breakerGuard(deps: { breaker: BreakerGateway; clock: Clock }): preHandlerAsyncHookHandler {
  const { breaker, clock } = deps;
  return async (_request, reply) => {
    if (!breaker.refusing()) return;
    const retryAfterMs = retryAfter(reply, clock, clock.unscale(breaker.retryAfterMs()));
    return reply.code(503).send({
      error: 'payment_unavailable',
      message: `the payment provider is failing and the circuit breaker is ${breaker.state}; nothing was charged. POST /orders/async accepts the order now and pays it once the provider recovers`,
      breaker: breaker.state,
      retry_after_ms: retryAfterMs,
      async: ASYNC_ROUTE,
    });
  };
}

/**
 * 503 at once, with Retry-After and a pointer to /orders/async, when the
 * payments ahead mean this request could not be paid before its deadline.
 */
export function admissionGuard(deps: {
  admission: AdmissionControl;
  clock: Clock;
  /** Whether an Idempotency-Key was used before (a repeat joins its first request's payment). */
  knownKey?: (key: string) => Promise<boolean>;
}): preHandlerAsyncHookHandler {
  const { admission, clock } = deps;
  // Keys of admitted requests still running here: their repeats arrive before the first is stored.
  const running = new Map<string, number>();
  return async (request, reply) => {
    const key = request.headers['idempotency-key'];
    // A repeat takes no payment slot (it waits for the first request's answer), so it is not refused for the line.
    if (typeof key === 'string' && (running.has(key) || (await deps.knownKey?.(key)))) return;
    const raw = request.headers[DEADLINE_HEADER];
    let deadlineMs = admission.defaultDeadlineMs;
    if (raw !== undefined) {
      const value = Number(Array.isArray(raw) ? raw[0] : raw);
      if (!Number.isFinite(value) || value <= 0 || value > MAX_DEADLINE_MS) {
        return reply.code(400).send({
          error: 'validation_error',
          message: `header ${DEADLINE_HEADER} must be a number of milliseconds in (0, ${MAX_DEADLINE_MS}], got "${raw}"`,
          field: DEADLINE_HEADER,
        });
      }
      deadlineMs = value;
    }
    const decision = admission.decide(deadlineMs);
    if (decision.admit) {
      if (typeof key === 'string') running.set(key, (running.get(key) ?? 0) + 1);
      // 'close' fires when the answer is written or the client leaves, whichever comes first.
      reply.raw.once('close', () => {
        decision.release();
        if (typeof key !== 'string') return;
        const left = (running.get(key) ?? 1) - 1;
        if (left > 0) running.set(key, left);
        else running.delete(key);
      });
      return;
    }
    const retryAfterMs = retryAfter(reply, clock, decision.retryAfterMs);
    return reply.code(503).send({
      error: 'overloaded',
      message: `${decision.ahead} payment(s) are ahead of this order; it would be paid in about ${decision.expectedMs} ms, later than its ${deadlineMs} ms deadline. POST /orders/async accepts it at once and pays it in the background`,
      payments_ahead: decision.ahead,
      expected_ms: decision.expectedMs,
      deadline_ms: deadlineMs,
      retry_after_ms: retryAfterMs,
      async: ASYNC_ROUTE,
    });
  };
}
