import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { PaymentError } from '../core/errors.js';
import {
  type ChargeRequest,
  type GatewayStats,
  type LedgerResult,
  type PaymentGateway,
  type PaymentLedger,
  type PaymentResult,
  VOIDED_REASON,
} from '../core/ports.js';
import { Semaphore } from '../core/semaphore.js';

/** Defaults and variables: the settings table (payment.*). */
export interface SimulatedGatewayOptions {
  /** Simulated time one payment takes, ms. */
  latencyMs: number;
  /** Uniform random extra latency in [0, jitterMs), ms. */
  jitterMs: number;
  /** Payments carried out at the same time; 0 = unlimited. */
  slots: number;
  /** Share of payments declined, 0–1. */
  declineRate: number;
  /** Share of payments that fail with a provider error (retryable), 0–1. */
  errorRate: number;
}

/**
 * The study's payment provider: slow (3 s) and narrow (one payment at a time).
 * Charges are idempotent by order id — a charge already in the ledger is
 * returned without paying again, and a charge in progress is joined, not
 * repeated — so a redelivered message can never pay twice. A voided order
 * is never charged: its charge is declined with VOIDED_REASON.
 */
export class SimulatedGateway implements PaymentGateway {
  private readonly slots: Semaphore;
  private readonly inProgress = new Map<string, Promise<PaymentResult>>();
  private options: SimulatedGatewayOptions;
  private counters = { executed: 0, approved: 0, declined: 0, errors: 0 };

  constructor(
    private readonly deps: { clock: Clock; ledger: PaymentLedger; random?: () => number },
    options: SimulatedGatewayOptions,
  ) {
    const { latencyMs, jitterMs, slots, declineRate, errorRate } = options;
    this.options = { latencyMs, jitterMs, slots, declineRate, errorRate };
    this.slots = new Semaphore(this.options.slots === 0 ? Number.POSITIVE_INFINITY : this.options.slots);
  }

  async init(): Promise<void> {
    await this.deps.ledger.init();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.inProgress.values());
    await this.deps.ledger.close();
  }

  /** Changes failure rates or latency at run time (operations and outage tests). */
  configure(options: Partial<SimulatedGatewayOptions>): void {
    this.options = { ...this.options, ...options };
    if (options.slots !== undefined) this.slots.resize(options.slots === 0 ? Number.POSITIVE_INFINITY : options.slots);
  }

  stats(): GatewayStats {
    return {
      slots: this.options.slots,
      inFlight: Math.min(this.slots.inUse, this.inProgress.size),
      waiting: this.slots.waiting,
      latencyMs: this.options.latencyMs,
      ...this.counters,
    };
  }

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult> {
    const running = this.inProgress.get(request.orderId);
    if (running) return running;
    const recorded = await this.deps.ledger.find(request.orderId);
    if (recorded) return asPayment(recorded.result);
    // Checked again: another caller may have started while the ledger was read.
    const started = this.inProgress.get(request.orderId);
    if (started) return started;
    const payment = this.pay(request, signal).finally(() => this.inProgress.delete(request.orderId));
    this.inProgress.set(request.orderId, payment);
    return payment;
  }

  async voidUnlessCharged(orderId: string): Promise<LedgerResult> {
    const running = this.inProgress.get(orderId);
    // A charge that fails or is abandoned before it started took no money: the void follows.
    if (running) await running.catch(() => undefined);
    // The ledger decides atomically: a charge recorded meanwhile (here or by another process) wins over the void.
    return this.deps.ledger.voidUnlessCharged(orderId, this.deps.clock.now());
  }

  private async pay(request: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult> {
    const release = await this.slots.acquire(signal);
    try {
      const random = this.deps.random ?? Math.random;
      const { latencyMs, jitterMs, errorRate, declineRate } = this.options;
      // Once the provider has the payment it finishes it: the caller leaving does not stop it.
      await this.deps.clock.sleep(latencyMs + (jitterMs > 0 ? random() * jitterMs : 0));
      if (random() < errorRate) {
        this.counters.errors++;
        throw new PaymentError(`payment provider error for order ${request.orderId}`);
      }
      const chargedAt = this.deps.clock.now();
      const result: PaymentResult =
        random() < declineRate
          ? { status: 'declined', reason: 'card declined by the payment provider', chargedAt }
          : { status: 'approved', chargeId: `ch_${randomUUID()}`, chargedAt };
      const held = await this.deps.ledger.record({ orderId: request.orderId, amount: request.amount, result });
      // Voided while it ran: the provider refuses it, and nothing was taken.
      if (held.status === 'voided') return asPayment(held);
      this.counters.executed++;
      this.counters[result.status]++;
      return result;
    } finally {
      release();
    }
  }
}

/** A void, as the answer to a charge: declined, nothing taken. */
function asPayment(result: LedgerResult): PaymentResult {
  return result.status === 'voided'
    ? { status: 'declined', reason: VOIDED_REASON, chargedAt: result.voidedAt }
    : result;
}
