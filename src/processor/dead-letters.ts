import { parseOrderMessage } from '../core/order.js';
import type { DeadLetter, Logger, MessageBus, OrderStore } from '../core/ports.js';

/** A dead letter as operators see it: the message and the order it carries. */
export interface DeadLetterView {
  id: string;
  order_id?: string;
  order_status?: string;
  customer_id?: number;
  total?: number;
  receive_count: number;
  sent_at: string;
  dead_lettered_at?: string;
  reason?: string;
}

export interface RedriveResult {
  /** Messages moved back to the queue. */
  redriven: number;
  /** Orders reopened (failed → pending) so their payment is tried again. */
  reopened: string[];
  /** Ids asked for that are not in the dead-letter queue. */
  missing: string[];
}

/** Most dead letters read at once; far more than an operator pages through. */
const MAX_SCAN = 100_000;

/**
 * List, inspect and redrive the dead letters of one queue. Redriving also
 * reopens the message's order when dead-lettering marked it failed, or the
 * processor would take the redriven message for a finished order and drop it.
 * Reopening first, then moving the message, keeps that race closed. Paying
 * twice stays impossible: the gateway answers an order it already charged
 * with its first result.
 */
export class DeadLetters {
  constructor(
    private readonly deps: { bus: MessageBus; store: OrderStore; logger: Logger },
    private readonly options: { queue: string },
  ) {}

  get queue(): string {
    return this.options.queue;
  }

  async count(): Promise<number> {
    return (await this.deps.bus.depth(this.options.queue)).deadLetters;
  }

  async list(limit = 100): Promise<DeadLetterView[]> {
    const letters = await this.deps.bus.listDeadLetters(this.options.queue, limit);
    return Promise.all(letters.map((letter) => this.view(letter)));
  }

  /** One dead letter with its body and its order; undefined when not in the dead-letter queue. */
  async show(id: string) {
    const letter = (await this.deps.bus.listDeadLetters(this.options.queue, MAX_SCAN)).find((l) => l.id === id);
    if (!letter) return undefined;
    const parsed = parseOrderMessage(letter.body);
    const order = parsed ? await this.deps.store.get(parsed.order_id) : undefined;
    return { ...(await this.view(letter)), body: letter.body, ...(order ? { order } : {}) };
  }

  /** Moves the given dead letters (or all of them) back to the queue. */
  async redrive(ids?: readonly string[]): Promise<RedriveResult> {
    const { bus, store, logger } = this.deps;
    const all = await bus.listDeadLetters(this.options.queue, MAX_SCAN);
    const wanted = ids ? new Set(ids) : undefined;
    const chosen = wanted ? all.filter((l) => wanted.has(l.id)) : all;
    const found = new Set(chosen.map((l) => l.id));
    const missing = ids ? ids.filter((id) => !found.has(id)) : [];
    const reopened: string[] = [];
    for (const letter of chosen) {
      const orderId = parseOrderMessage(letter.body)?.order_id;
      if (!orderId) continue;
      const order = await store.get(orderId);
      if (order?.status !== 'failed') continue;
      const done = await store.transition(orderId, ['failed'], {
        status: 'pending',
        failure_reason: `redriven by an operator after: ${order.failure_reason ?? 'dead-lettered'}`,
      });
      if (done) reopened.push(orderId);
    }
    // Explicit ids even for "all": a letter dead-lettered after the listing was not reopened.
    const redriven = chosen.length > 0 ? await bus.redrive(this.options.queue, [...found]) : 0;
    logger.info({ redriven, reopened: reopened.length, missing }, 'dead letters redriven');
    return { redriven, reopened, missing };
  }

  private async view(letter: DeadLetter): Promise<DeadLetterView> {
    const parsed = parseOrderMessage(letter.body);
    const order = parsed ? await this.deps.store.get(parsed.order_id) : undefined;
    const view: DeadLetterView = {
      id: letter.id,
      receive_count: letter.receiveCount,
      sent_at: new Date(letter.sentAt).toISOString(),
    };
    if (parsed) view.order_id = parsed.order_id;
    if (order) {
      view.order_status = order.status;
      view.customer_id = order.customer_id;
      view.total = order.total;
    }
    if (letter.deadLetteredAt !== undefined) view.dead_lettered_at = new Date(letter.deadLetteredAt).toISOString();
    if (letter.reason !== undefined) view.reason = letter.reason;
    return view;
  }
}
