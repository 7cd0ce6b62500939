import type { Clock } from './clock.js';
import type { FailureCode, Order } from './order.js';
import type { EmailSender, Logger, NotificationDraft, OrderStore } from './ports.js';

/** Defaults and variables: the settings table (notify.*). */
export interface NotifierOptions {
  /** Sender address of the emails. */
  from: string;
  /** Domain of customer addresses, customer-<id>@<domain>. */
  recipientDomain: string;
  /** Attempts to send one email before it is marked failed. */
  attempts: number;
}

/** What a failed order's email tells the customer happened, by failure code. */
const WHY: Record<FailureCode, string> = {
  declined: 'the payment provider declined the payment',
  payment_error: 'the payment provider failed while taking the payment',
  dead_lettered: 'the payment provider kept failing, so we stopped trying',
  abandoned: 'the checkout was closed before the payment started',
  interrupted: 'our checkout was interrupted before the payment was taken',
  cancelled: 'you cancelled the order before its payment started; its units are back on sale',
  expired: 'the order waited longer than its reservation lasts; its units are back on sale',
};

/**
 * Writes the customer's notification when an order reaches a final state; the
 * record is stored with the order's transition, then sent by email when an
 * SMTP sender is configured. Email trouble never affects the order.
 */
export class Notifier {
  private readonly opts: NotifierOptions;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly deps: { store: OrderStore; sender?: EmailSender; clock: Clock; logger: Logger },
    options: NotifierOptions,
  ) {
    const { from, recipientDomain, attempts } = options;
    this.opts = { from, recipientDomain, attempts };
  }

  draft(order: Order): NotificationDraft {
    const recipient = `customer-${order.customer_id}@${this.opts.recipientDomain}`;
    const lines = order.items.map((i) => `  ${i.quantity} × ${i.product_id} at $${i.price.toFixed(2)}`);
    if (order.status === 'completed') {
      return {
        order_id: order.order_id,
        recipient,
        subject: `Your order ${order.order_id} is confirmed`,
        body: [
          `Thank you! Your payment went through and order ${order.order_id} is confirmed.`,
          '',
          ...lines,
          `Total: $${order.total.toFixed(2)}`,
        ].join('\n'),
      };
    }
    return {
      order_id: order.order_id,
      recipient,
      subject: `Your order ${order.order_id} could not be completed`,
      body: [
        `We could not complete order ${order.order_id}: ${order.failure_code ? WHY[order.failure_code] : 'the payment failed'}.`,
        ...(order.failure_reason ? [`Details: ${order.failure_reason}.`] : []),
        'You have not been charged for it.',
        '',
        ...lines,
        `Total: $${order.total.toFixed(2)}`,
      ].join('\n'),
    };
  }

  /** Sends the order's recorded notifications by email, in the background. */
  deliver(order: Order): void {
    if (!this.deps.sender) return;
    const job = this.send(order.order_id).finally(() => this.sending.delete(job));
    this.sending.add(job);
  }

  /** Resolves when every email started so far has been sent or given up. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.sending]);
  }

  private async send(orderId: string): Promise<void> {
    const { store, sender, clock, logger } = this.deps;
    if (!sender) return;
    const records = await store.notifications({ orderId });
    for (const record of records.filter((r) => r.delivery === 'recorded')) {
      let lastError = '';
      for (let attempt = 1; attempt <= this.opts.attempts; attempt++) {
        try {
          await sender.send({ to: record.recipient, from: this.opts.from, subject: record.subject, text: record.body });
          await store.markNotification(record.id, 'sent');
          lastError = '';
          break;
        } catch (error) {
          lastError = error instanceof Error ? error.message : String(error);
          if (attempt < this.opts.attempts) await clock.sleep(1000 * attempt);
        }
      }
      if (lastError) {
        logger.warn({ orderId, error: lastError }, 'notification email failed');
        await store.markNotification(record.id, 'failed', lastError);
      }
    }
  }
}
