import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { isAbortError } from '../core/clock.js';
import { FlashsaleError } from '../core/errors.js';
import type { LedgerResult, PaymentLedger } from '../core/ports.js';
import { unhandledRejections } from '../telemetry/process-faults.js';
import type { SimulatedGateway, SimulatedGatewayOptions } from './simulated-gateway.js';

export interface GatewayServerDeps {
  gateway: SimulatedGateway;
  ledger: PaymentLedger;
  logger: FastifyBaseLogger;
  /** Extra keys for /stats (role, version, time scale, uptime). */
  info: () => Record<string, unknown>;
}

/** The wire form of a payment result (or a void): snake_case like the rest of the API. */
export type ChargeResponse =
  | { status: 'approved'; charge_id: string; charged_at: number }
  | { status: 'declined'; reason: string; charged_at: number }
  | { status: 'voided'; voided_at: number };

const ChargeBody = {
  type: 'object',
  required: ['order_id', 'amount'],
  additionalProperties: false,
  properties: { order_id: { type: 'string', minLength: 1, maxLength: 200 }, amount: { type: 'number', minimum: 0 } },
} as const;

const ConfigBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    latency_ms: { type: 'number', minimum: 0 },
    jitter_ms: { type: 'number', minimum: 0 },
    slots: { type: 'integer', minimum: 0 },
    decline_rate: { type: 'number', minimum: 0, maximum: 1 },
    error_rate: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

/**
 * The simulated payment provider served over HTTP, so that every worker of a
 * fleet shares one gateway and its slot limit — as they would share the real
 * provider. Charges stay idempotent by order id across all callers.
 */
export async function buildGatewayServer(deps: GatewayServerDeps): Promise<FastifyInstance> {
  const { gateway, ledger } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  // Callers waiting for a slot, by order id: a cancel (or the caller vanishing) stops the wait.
  const waiting = new Map<string, AbortController>();

  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/charges', { schema: { body: ChargeBody } }, async (request, reply) => {
    const { order_id: orderId, amount } = request.body as { order_id: string; amount: number };
    const controller = new AbortController();
    waiting.set(orderId, controller);
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    try {
      const result = await gateway.charge({ orderId, amount }, controller.signal);
      return reply.code(200).send(toWire(result));
    } catch (error) {
      if (isAbortError(error)) {
        return reply.code(409).send({ error: 'abandoned', message: 'the charge was cancelled before it started' });
      }
      if (error instanceof FlashsaleError) {
        return reply.code(503).send({ error: error.code, message: error.message });
      }
      throw error;
    } finally {
      if (waiting.get(orderId) === controller) waiting.delete(orderId);
    }
  });

  // The caller gave up: stop waiting for a slot. A payment already under way finishes regardless.
  app.post('/charges/:orderId/cancel', async (request) => {
    const { orderId } = request.params as { orderId: string };
    waiting.get(orderId)?.abort();
    return { order_id: orderId };
  });

  // The payer of this order died: its recorded result, after any charge of it still under way, or else a void.
  app.post('/charges/:orderId/void', async (request) => {
    const { orderId } = request.params as { orderId: string };
    return toWire(await gateway.voidUnlessCharged(orderId));
  });

  app.put('/config', { schema: { body: ConfigBody } }, async (request) => {
    const body = request.body as Record<string, number | undefined>;
    const change: Partial<SimulatedGatewayOptions> = {};
    if (body.latency_ms !== undefined) change.latencyMs = body.latency_ms;
    if (body.jitter_ms !== undefined) change.jitterMs = body.jitter_ms;
    if (body.slots !== undefined) change.slots = body.slots;
    if (body.decline_rate !== undefined) change.declineRate = body.decline_rate;
    if (body.error_rate !== undefined) change.errorRate = body.error_rate;
    gateway.configure(change);
    return payments();
  });

  app.get('/stats', async () => {
    const [charges, duplicates] = await Promise.all([ledger.count(), ledger.duplicates()]);
    return {
      ...deps.info(),
      payments: payments(),
      ledger: { charges, duplicates },
      unhandled_rejections: unhandledRejections(),
    };
  });

  function payments() {
    const s = gateway.stats();
    return {
      slots: s.slots,
      in_flight: s.inFlight,
      waiting: s.waiting,
      latency_ms: s.latencyMs,
      executed: s.executed,
      approved: s.approved,
      declined: s.declined,
      errors: s.errors,
    };
  }

  return app;
}

function toWire(result: LedgerResult): ChargeResponse {
  if (result.status === 'voided') return { status: 'voided', voided_at: result.voidedAt };
  return result.status === 'approved'
    ? { status: 'approved', charge_id: result.chargeId, charged_at: result.chargedAt }
    : { status: 'declined', reason: result.reason, charged_at: result.chargedAt };
}
