import { setMaxListeners } from 'node:events';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
  IsolatedCircuitError,
} from 'cockatiel';
import type { Clock } from '../core/clock.js';
import { PaymentError } from '../core/errors.js';
import type {
  ChargeRequest,
  GatewayStats,
  LedgerResult,
  Logger,
  PaymentGateway,
  PaymentResult,
} from '../core/ports.js';

/** Defaults and variables: the settings table (breaker.*). */
export interface BreakerOptions {
  /** Consecutive failed or timed-out payments that open the breaker. */
  threshold: number;
  /** Simulated ms the breaker stays open before one probe payment is let through. */
  halfOpenAfterMs: number;
  /** A payment slower than this beyond its wait in the provider's line counts as a failure, simulated ms; 0 = never. */
  timeoutMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** The payment was refused without reaching the provider: the breaker is open. Nothing was charged. */
export class CircuitOpenError extends PaymentError {
  constructor(
    /** Real ms until the breaker lets a probe through. */
    readonly retryAfterMs: number,
  ) {
    super('the payment provider is failing; the circuit breaker is open and refuses payments for now');
    this.name = 'CircuitOpenError';
  }
}

/** A payment that outlived its time budget; it still runs, and its answer still counts. */
class SlowPaymentError extends PaymentError {
  constructor(budgetMs: number) {
    super(`the payment provider did not answer within ${Math.round(budgetMs)} ms`);
    this.name = 'SlowPaymentError';
  }
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * A circuit breaker (cockatiel) around a payment gateway. Provider errors and
 * slow payments open it; while open, payments are refused at once with a
 * CircuitOpenError and payments still waiting for a provider slot are called
 * off (they had not started, so nothing was charged). After `halfOpenAfterMs`
 * the next payment is the probe: its success closes the breaker, its failure
 * opens it again. Declines are answers, not failures.
 */
export class BreakerGateway implements PaymentGateway {
  private readonly opts: BreakerOptions;
  private readonly policy: CircuitBreakerPolicy;
  private readonly consecutive: ConsecutiveBreaker;
  private readonly listeners = new Set<(state: BreakerState) => void>();
  private callOff = callOffSwitch();
  private openedAt = 0;
  private changedAt: number;
  private lastFailure?: string;
  /** Charges through this breaker not yet answered. */
  private active = 0;
  private readonly counters = { opened: 0, shortCircuited: 0, failures: 0, timeouts: 0, calledOff: 0 };

  constructor(
    private readonly deps: { gateway: PaymentGateway; clock: Clock; logger: Logger },
    options: BreakerOptions,
  ) {
    const { threshold, halfOpenAfterMs, timeoutMs } = options;
    this.opts = { threshold, halfOpenAfterMs, timeoutMs };
    // Only the provider's own trouble counts: a client leaving, or a payment
    // this breaker called off, says nothing about the provider.
    const failures = handleWhen((error) => error instanceof PaymentError && !(error instanceof CircuitOpenError));
    this.consecutive = new ConsecutiveBreaker(this.opts.threshold);
    this.policy = circuitBreaker(failures, {
      // cockatiel measures with Date.now(), so the simulated duration is scaled here.
      halfOpenAfter: deps.clock.scale(this.opts.halfOpenAfterMs),
      breaker: this.consecutive,
    });
    this.changedAt = deps.clock.now();
    this.policy.onFailure(({ handled, reason }) => {
      if (!handled || !('error' in reason)) return;
      this.counters.failures++;
      this.lastFailure = reason.error.message;
    });
    this.policy.onStateChange((raw) => this.changed(STATES[raw]));
  }

  init(): Promise<void> {
    return this.deps.gateway.init();
  }

  close(): Promise<void> {
    return this.deps.gateway.close();
  }

  stats(): GatewayStats {
    return this.deps.gateway.stats();
  }

  /** Not through the breaker: settling what a dead payer left is not a new payment. */
  voidUnlessCharged(orderId: string): Promise<LedgerResult> {
    return this.deps.gateway.voidUnlessCharged(orderId);
  }

  get state(): BreakerState {
    return STATES[this.policy.state];
  }

  get threshold(): number {
    return this.opts.threshold;
  }

  /** Real ms until a probe may go through; 0 when closed or when the probe is due. */
  retryAfterMs(): number {
    if (this.policy.state === CircuitState.HalfOpen) return this.deps.clock.scale(this.opts.halfOpenAfterMs);
    if (this.policy.state !== CircuitState.Open) return 0;
    const until = this.openedAt + this.deps.clock.scale(this.opts.halfOpenAfterMs);
    return Math.max(0, until - this.deps.clock.now());
  }

  /** Whether a payment started now would be refused: open and no probe due yet, or a probe is running. */
  refusing(): boolean {
    if (this.policy.state === CircuitState.HalfOpen || this.policy.state === CircuitState.Isolated) return true;
    return this.policy.state === CircuitState.Open && this.retryAfterMs() > 0;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: BreakerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The figures of /stats `breaker`. */
  snapshot() {
    return {
      enabled: true,
      state: this.state,
      since: new Date(this.changedAt).toISOString(),
      threshold: this.opts.threshold,
      consecutive_failures: this.consecutive.state,
      half_open_after_ms: this.opts.halfOpenAfterMs,
      timeout_ms: this.opts.timeoutMs,
      retry_after_ms: Math.round(this.deps.clock.unscale(this.retryAfterMs())),
      opened: this.counters.opened,
      failures: this.counters.failures,
      timeouts: this.counters.timeouts,
      short_circuited: this.counters.shortCircuited,
      called_off: this.counters.calledOff,
      ...(this.lastFailure ? { last_failure: this.lastFailure } : {}),
    };
  }

  async charge(request: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult> {
    const budget = this.budgetMs();
    this.active++;
    let pending: Promise<PaymentResult> | undefined;
    try {
      return await this.policy.execute(() => {
        pending = this.chargeUnlessCalledOff(request, signal);
        return budget === undefined ? pending : this.within(pending, budget);
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        this.counters.shortCircuited++;
        throw new CircuitOpenError(this.retryAfterMs());
      }
      // The slow payment was counted against the provider, but it may still
      // charge the customer: its answer is the one the caller must see.
      if (error instanceof SlowPaymentError && pending) return pending;
      throw error;
    } finally {
      this.active--;
    }
  }

  /** Real ms a payment may take: the timeout plus its wait behind the payments already in the provider's line. */
  private budgetMs(): number | undefined {
    if (this.opts.timeoutMs <= 0) return undefined;
    const { slots, inFlight, waiting, latencyMs } = this.deps.gateway.stats();
    // Charges that came through here but are not in the provider's line yet
    // (reading its ledger) will be ahead of this one too, hence max, not sum.
    const ahead = Math.max(inFlight + waiting, this.active);
    const line = slots > 0 ? Math.floor(ahead / slots) * latencyMs : 0;
    return this.deps.clock.scale(this.opts.timeoutMs + line);
  }

  private within(payment: Promise<PaymentResult>, budgetMs: number): Promise<PaymentResult> {
    // On the clock, like every other wait, so that a manual clock drives the time budget too.
    const answered = new AbortController();
    return new Promise((resolve, reject) => {
      this.deps.clock.sleepReal(budgetMs, answered.signal).then(
        () => {
          this.counters.timeouts++;
          reject(new SlowPaymentError(this.deps.clock.unscale(budgetMs)));
        },
        () => undefined,
      );
      payment.then(resolve, reject).finally(() => answered.abort());
    });
  }

  /** The charge, abortable by the caller and by the breaker opening while it waits for a slot. */
  private chargeUnlessCalledOff(request: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult> {
    const controller = new AbortController();
    const callOff = this.callOff.signal;
    const onCallOff = () => {
      this.counters.calledOff++;
      controller.abort(callOff.reason);
    };
    const onLeave = () => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    signal?.addEventListener('abort', onLeave, { once: true });
    callOff.addEventListener('abort', onCallOff, { once: true });
    return this.deps.gateway.charge(request, controller.signal).finally(() => {
      signal?.removeEventListener('abort', onLeave);
      callOff.removeEventListener('abort', onCallOff);
    });
  }

  private changed(state: BreakerState): void {
    const { clock, logger } = this.deps;
    this.changedAt = clock.now();
    if (state === 'open') {
      this.openedAt = clock.now();
      this.counters.opened++;
      // Payments still waiting for a slot would only fail in turn: call them off now.
      const callOff = this.callOff;
      this.callOff = callOffSwitch();
      callOff.abort(new CircuitOpenError(this.retryAfterMs()));
      logger.warn(
        { breaker: 'open', threshold: this.opts.threshold, lastFailure: this.lastFailure },
        'payment circuit breaker opened',
      );
    } else {
      logger.info({ breaker: state }, `payment circuit breaker ${state}`);
    }
    for (const listener of this.listeners) listener(state);
  }
}

/** Every waiting payment listens to it, so Node's default limit of 10 listeners does not apply. */
function callOffSwitch(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
