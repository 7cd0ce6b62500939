import { FlashsaleError } from '../core/errors.js';
import type { Order, OrderStatus } from '../core/order.js';
import type { BusMessage } from '../core/ports.js';
import { type Outcome, type ProcessDeps, processOrderMessage } from '../processor/process-message.js';
import type { SnsEvent, SnsEventRecord } from './sns-event.js';

/** What the handler pays orders with: built once per container (the cold start), reused while warm. */
export interface HandlerRuntime extends ProcessDeps {
  /** Told of each order an invocation brought to a final state (e2e latency). */
  onFinished?: (order: Order) => void;
  /** Awaited before an invocation returns, because a frozen container would stall what is left (emails). */
  settle?: () => Promise<void>;
  /** Releases connections. A function's container is frozen instead; tests and local runs call it. */
  close?: () => Promise<void>;
}

/** The runtime itself, or how to build it on the first invocation. */
export type RuntimeSource = HandlerRuntime | (() => Promise<HandlerRuntime>);

/** What became of one record of an event. */
export interface RecordResult {
  messageId: string;
  orderId?: string;
  action: Outcome['action'];
  status?: OrderStatus;
}

export interface HandlerStats {
  invocations: number;
  /** Invocations that threw, so their event is delivered again (or given up). */
  errors: number;
  coldStarts: number;
  /** Wall ms the last cold start took to build the store and gateway; 0 before the first. */
  coldStartMs: number;
  /** Orders invocations completed or failed. */
  completed: number;
  failed: number;
}

/** An SNS-subscribed function: resolves when every record is done, throws so the event is retried. */
export interface SnsHandler {
  (event: SnsEvent): Promise<{ records: RecordResult[] }>;
  stats(): HandlerStats;
  /** Closes the runtime, if built; the next invocation starts cold. */
  close(): Promise<void>;
}

/**
 * The serverless processor: each record's message is one order message, paid
 * by the same processOrderMessage as the queue workers, so an order is charged
 * at most once however often SNS delivers it. A function is not told which of
 * its retries it runs, so a failed payment always fails the invocation; the
 * retries and the failure destination decide what then becomes of the message.
 */
export function createHandler(source: RuntimeSource): SnsHandler {
  const build = typeof source === 'function' ? source : async () => source;
  const counters: HandlerStats = { invocations: 0, errors: 0, coldStarts: 0, coldStartMs: 0, completed: 0, failed: 0 };
  let runtime: Promise<HandlerRuntime> | undefined;

  const ready = (): Promise<HandlerRuntime> => {
    runtime ??= (async () => {
      // Measured with the process's own timer: the runtime's clock does not exist yet.
      const started = performance.now();
      const built = await build();
      counters.coldStarts++;
      counters.coldStartMs = Math.round((performance.now() - started) * 100) / 100;
      built.logger.info(
        { coldStartMs: counters.coldStartMs, sinceProcessStartMs: Math.round(performance.now()) },
        'cold start: store and gateway ready',
      );
      return built;
    })().catch((error: unknown) => {
      // A failed start is tried again by the next invocation rather than kept.
      runtime = undefined;
      throw error;
    });
    return runtime;
  };

  const processRecord = async (deps: HandlerRuntime, record: SnsEventRecord): Promise<RecordResult> => {
    const { MessageId, Message, Timestamp } = record.Sns;
    const message: BusMessage = {
      id: MessageId,
      body: Message,
      receipt: MessageId,
      receiveCount: 1,
      sentAt: Date.parse(Timestamp),
    };
    const outcome = await processOrderMessage(deps, message, { maxReceiveCount: Number.POSITIVE_INFINITY });
    const order = outcome.order;
    if (outcome.finished && order) {
      if (order.status === 'completed') counters.completed++;
      if (order.status === 'failed') counters.failed++;
      deps.onFinished?.(order);
    }
    if (outcome.action === 'retry') {
      throw new FlashsaleError('payment_unavailable', `message ${MessageId}: ${outcome.reason}`, true);
    }
    // With no last attempt, dead-lettering means the message names no order this store has.
    if (outcome.action === 'dead-letter')
      throw new FlashsaleError('not_found', `message ${MessageId}: ${outcome.reason}`);
    return {
      messageId: MessageId,
      action: outcome.action,
      ...(order ? { orderId: order.order_id, status: order.status } : {}),
    };
  };

  const handler = async (event: SnsEvent): Promise<{ records: RecordResult[] }> => {
    const deps = await ready();
    counters.invocations++;
    const settled = await Promise.allSettled(event.Records.map((record) => processRecord(deps, record)));
    await deps.settle?.();
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    if (errors.length > 0) {
      counters.errors++;
      deps.logger.warn({ err: errors[0], failed: errors.length, records: settled.length }, 'invocation failed');
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, `${errors.length} records failed`);
    }
    return { records: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])) };
  };

  return Object.assign(handler, {
    stats: (): HandlerStats => ({ ...counters }),
    close: async () => {
      const built = runtime;
      runtime = undefined;
      const deps = await built?.catch(() => undefined);
      await deps?.close?.();
    },
  });
}

/** The function's entry point (infra: dist/serverless/handler.handler), configured from its environment. */
export const handler: SnsHandler = createHandler(async () =>
  // Loaded on the first invocation: the composition root opens only the adapters the environment names.
  (await import('../service/node.js')).startFunction(process.env),
);
