import { Agent, request } from 'undici';
import { PaymentError } from '../core/errors.js';
import type {
  ChargeRequest,
  GatewayStats,
  LedgerResult,
  Logger,
  PaymentGateway,
  PaymentResult,
} from '../core/ports.js';
import type { ChargeResponse } from './gateway-server.js';

export interface HttpGatewayOptions {
  /** Base URL of a `flashsale gateway` process, e.g. http://127.0.0.1:8090. Required. */
  url: string;
  /** Real ms between refreshes of the gateway's slots and latency shown in /stats (setting gatewayStatsRefreshMs). */
  statsRefreshMs: number;
}

/**
 * The payment gateway as an HTTP client: the workers of many processes share
 * one `flashsale gateway` and its slot limit. Network trouble and provider
 * errors become a retryable PaymentError; a caller that aborts before the
 * payment started cancels its wait and gets an AbortError, as in process.
 */
export class HttpGateway implements PaymentGateway {
  private readonly agent: Agent;
  private readonly base: string;
  private readonly refreshMs: number;
  private remote: Omit<GatewayStats, 'inFlight'> = {
    slots: 0,
    latencyMs: 0,
    waiting: 0,
    executed: 0,
    approved: 0,
    declined: 0,
    errors: 0,
  };
  private refreshedAt = 0;
  private refreshing = false;
  /** Charges this process has waiting on the gateway. */
  private inFlight = 0;

  constructor(
    private readonly deps: { logger: Logger },
    options: HttpGatewayOptions,
  ) {
    this.base = options.url.replace(/\/+$/, '');
    this.refreshMs = options.statsRefreshMs;
    // A charge can wait long for a slot: no header or body timeout, the provider decides.
    this.agent = new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 3000 } });
  }

  async init(): Promise<void> {
    await this.refresh();
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** The shared gateway's figures (refreshed at most every statsRefreshMs), with this process's charges in flight. */
  stats(): GatewayStats {
    if (Date.now() - this.refreshedAt > this.refreshMs) void this.refresh();
    return { ...this.remote, inFlight: this.inFlight };
  }

  async charge(charge: ChargeRequest, signal?: AbortSignal): Promise<PaymentResult> {
    if (signal?.aborted) throw abortError();
    // Not aborting the request itself: the answer tells whether the payment had started.
    const onAbort = () => void this.cancel(charge.orderId);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inFlight++;
    try {
      const response = await request(`${this.base}/charges`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ order_id: charge.orderId, amount: charge.amount }),
      });
      const text = await response.body.text();
      if (response.statusCode === 409) throw abortError();
      if (response.statusCode !== 200) {
        throw new PaymentError(`payment gateway answered ${response.statusCode}: ${text.slice(0, 200)}`);
      }
      const result = fromWire(JSON.parse(text) as ChargeResponse);
      if (result.status === 'voided') throw new PaymentError(`payment gateway answered a charge with a void`);
      return result;
    } catch (error) {
      throw this.unreachable(error);
    } finally {
      this.inFlight--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** May wait as long as a charge of the order still runs at the gateway. */
  async voidUnlessCharged(orderId: string): Promise<LedgerResult> {
    try {
      const response = await request(`${this.base}/charges/${encodeURIComponent(orderId)}/void`, {
        method: 'POST',
        dispatcher: this.agent,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        throw new PaymentError(`payment gateway answered ${response.statusCode}: ${text.slice(0, 200)}`);
      }
      return fromWire(JSON.parse(text) as ChargeResponse);
    } catch (error) {
      throw this.unreachable(error);
    }
  }

  /** Network trouble becomes a retryable PaymentError; the gateway's own answers and aborts pass as they are. */
  private unreachable(error: unknown): unknown {
    if (error instanceof PaymentError || (error instanceof Error && error.name === 'AbortError')) return error;
    return new PaymentError(`payment gateway unreachable at ${this.base}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  private async cancel(orderId: string): Promise<void> {
    try {
      const response = await request(`${this.base}/charges/${encodeURIComponent(orderId)}/cancel`, {
        method: 'POST',
        dispatcher: this.agent,
      });
      await response.body.dump();
    } catch (error) {
      this.deps.logger.warn({ err: error, orderId }, 'could not cancel a charge at the payment gateway');
    }
  }

  private async refresh(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    this.refreshedAt = Date.now();
    try {
      const response = await request(`${this.base}/stats`, { dispatcher: this.agent });
      const body = (await response.body.json()) as { payments?: Record<string, number> };
      const p = body.payments;
      if (p) {
        this.remote = {
          slots: p.slots ?? 0,
          latencyMs: p.latency_ms ?? 0,
          waiting: p.waiting ?? 0,
          executed: p.executed ?? 0,
          approved: p.approved ?? 0,
          declined: p.declined ?? 0,
          errors: p.errors ?? 0,
        };
      }
    } catch (error) {
      this.deps.logger.warn({ err: error, url: this.base }, 'payment gateway stats unavailable');
    } finally {
      this.refreshing = false;
    }
  }
}

function abortError(): Error {
  return new DOMException('The charge was abandoned before it started', 'AbortError');
}

function fromWire(wire: ChargeResponse): LedgerResult {
  if (wire.status === 'voided') return { status: 'voided', voidedAt: wire.voided_at };
  return wire.status === 'approved'
    ? { status: 'approved', chargeId: wire.charge_id, chargedAt: wire.charged_at }
    : { status: 'declined', reason: wire.reason, chargedAt: wire.charged_at };
}
