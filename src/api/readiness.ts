import type { Outbox } from '../core/outbox.js';
import type { Logger, MessageBus, OrderStore, PaymentLedger } from '../core/ports.js';

/** One dependency's answer to a readiness probe. */
export interface CheckResult {
  ok: boolean;
  /** Why it failed, in words safe to show anyone (the driver's text goes to the log). */
  detail?: string;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** Whether this process can take work now; `GET /ready` answers 200 when it is, 503 when not. */
export type ReadinessCheck = () => Promise<ReadinessReport>;

/** Resolves when its dependency answers; rejects (or outlives the timeout) when it does not. */
export type Probe = (signal: AbortSignal) => Promise<void>;

export interface ReadinessOptions {
  /** Real ms a probe may take before it counts as failed. Default 2000 (load balancers time out at 5 s). */
  timeoutMs?: number;
}

/**
 * Readiness of one process: its probes (store, bus or outbox, …) and whether it
 * is shutting down. Liveness (`/health`) says the process runs; readiness says
 * whether a load balancer should send it orders. Concurrent checks share one
 * round of probes, so a burst of health checkers costs one query per dependency.
 */
export class Readiness {
  private stopping = false;
  private round?: Promise<ReadinessReport>;
  private lastReady?: boolean;
  private readonly timeoutMs: number;

  constructor(
    private readonly deps: { probes: Record<string, Probe>; logger: Logger },
    options: ReadinessOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  /** From now on the process reports itself not ready, so that traffic moves elsewhere before it stops. */
  shutDown(): void {
    this.stopping = true;
  }

  readonly check: ReadinessCheck = () => {
    this.round ??= this.probeAll().finally(() => {
      this.round = undefined;
    });
    return this.round;
  };

  private async probeAll(): Promise<ReadinessReport> {
    const names = Object.keys(this.deps.probes);
    const results = await Promise.all(names.map((name) => this.probe(name)));
    const checks: Record<string, CheckResult> = {};
    names.forEach((name, i) => {
      checks[name] = results[i] ?? { ok: false };
    });
    checks.shutdown = this.stopping ? { ok: false, detail: 'the process is shutting down' } : { ok: true };
    const ready = Object.values(checks).every((c) => c.ok);
    // Logged on a change only: a load balancer asks every few seconds.
    if (ready !== (this.lastReady ?? true)) {
      if (ready) this.deps.logger.info({ checks }, 'ready again');
      else this.deps.logger.warn({ checks }, 'not ready');
    }
    this.lastReady = ready;
    return { ready, checks };
  }

  private async probe(name: string): Promise<CheckResult> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    const probe = this.deps.probes[name];
    if (!probe) return { ok: false, detail: 'no probe' };
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    );
    try {
      await Promise.race([probe(signal), timedOut]);
      return { ok: true };
    } catch (error) {
      this.deps.logger.debug({ err: error, check: name }, 'readiness probe failed');
      if (signal.aborted) return { ok: false, detail: `no answer within ${this.timeoutMs} ms` };
      return { ok: false, detail: 'unavailable' };
    }
  }
}

/**
 * The store takes writes: an UPDATE that matches no row runs the whole write
 * path (a write lock, a transaction, the commit; refused by a read-only or
 * closed database or an unreachable server) and changes nothing.
 */
export function storeProbe(store: OrderStore): Probe {
  return () => store.markNotification(-1, 'pending');
}

/** The bus answers (the processor receives from it; the embedded bus is the store's file). */
export function busProbe(bus: MessageBus, queue: string): Probe {
  return async () => {
    await bus.depth(queue);
  };
}

/** The outbox answers: an order's message is written there, so orders can be taken while the bus is down. */
export function outboxProbe(outbox: Outbox): Probe {
  return async () => {
    await outbox.counts();
  };
}

/** A payment ledger answers (the gateway process records every charge there). */
export function ledgerProbe(ledger: PaymentLedger): Probe {
  return async () => {
    await ledger.find('flashsale-readiness-probe');
  };
}
