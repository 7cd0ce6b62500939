import { Agent, request } from 'undici';

/** One request of the stream and how it ended. */
export interface Exchange {
  route: 'POST /orders/async' | 'GET /orders/{id}';
  /** Wall ms the request was first sent, and when its last attempt ended. */
  sentAt: number;
  doneAt: number;
  /** HTTP status, or what happened instead: no answer within the client timeout, no connection at all, another error. */
  status: number | 'timeout' | 'no-connection' | 'error';
  /** The api that answered (after a failover, the second one). */
  target: string;
  orderId?: string;
  /** Start of the body of an unexpected answer, for the report. */
  detail?: string;
}

export interface OrderStreamOptions {
  /** Requests per second, sent on schedule whatever the answers (open loop). */
  rate: number;
  /** Share of requests that read back an accepted order instead of placing one, 0–1. */
  readShare: number;
  /** Real ms a request may take before it counts as a hang. */
  timeoutMs: number;
  /** Prefix of the Idempotency-Keys, unique per run. */
  runId: string;
}

export interface Target {
  name: string;
  url: string;
}

const PRODUCTS = [
  { product_id: 'FLASH-001', quantity: 1, price: 29.99 },
  { product_id: 'FLASH-002', quantity: 2, price: 49.99 },
  { product_id: 'FLASH-003', quantity: 1, price: 99.99 },
];
/** Requests allowed in flight before the stream stops sending (a client's own limit, counted). */
const MAX_IN_FLIGHT = 2000;
/** Failures to connect (or a connection cut before any answer) that a load balancer retries elsewhere. */
const CONNECT_FAILURES = /ECONNREFUSED|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|other side closed/;

/**
 * A steady, open-loop stream of orders spread over the APIs, as customers
 * behind a load balancer would send them: each order carries an
 * Idempotency-Key, and a request that finds its API down (refused, or cut
 * before any answer) is sent once more to the other API with the same key —
 * what a load balancer does for a backend that vanished. Every answer is kept.
 */
export class OrderStream {
  readonly exchanges: Exchange[] = [];
  /** Accepted orders: id → wall ms of the first 202. */
  readonly accepted = new Map<string, number>();
  /** Requests not sent because too many were in flight. */
  skipped = 0;
  private readonly agent = new Agent({ connections: 128, pipelining: 1, connect: { timeout: 2000 } });
  private readonly inFlight = new Set<Promise<void>>();
  private readonly recent: string[] = [];
  private timer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private sent = 0;
  private startedAt = 0;

  constructor(
    private readonly targets: readonly Target[],
    private readonly options: OrderStreamOptions,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), 5);
  }

  /** Stops sending and waits for every request in flight to end. */
  stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping ??= Promise.allSettled([...this.inFlight]).then(() => this.agent.close());
    return this.stopping;
  }

  /** Requests sent at or after `from` (and before `to`), by wall ms. */
  between(from: number, to = Number.POSITIVE_INFINITY): Exchange[] {
    return this.exchanges.filter((e) => e.sentAt >= from && e.sentAt < to);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) / 1000) * this.options.rate);
    while (this.sent < due) {
      const seq = this.sent++;
      if (this.inFlight.size >= MAX_IN_FLIGHT) {
        this.skipped++;
        continue;
      }
      const read = this.recent.length > 0 && Math.random() < this.options.readShare;
      const done = (read ? this.read(seq) : this.order(seq)).finally(() => this.inFlight.delete(done));
      this.inFlight.add(done);
    }
  }

  private async order(seq: number): Promise<void> {
    const item = PRODUCTS[seq % PRODUCTS.length];
    const body = JSON.stringify({ customer_id: 1000 + (seq % 1000), items: [item] });
    const headers = { 'content-type': 'application/json', 'idempotency-key': `${this.options.runId}-${seq}` };
    const exchange = await this.send('POST /orders/async', seq, '/orders/async', { method: 'POST', headers, body });
    if (exchange.status === 202 && exchange.orderId) {
      if (!this.accepted.has(exchange.orderId)) this.accepted.set(exchange.orderId, exchange.doneAt);
      this.recent.push(exchange.orderId);
      if (this.recent.length > 1000) this.recent.shift();
    }
  }

  private async read(seq: number): Promise<void> {
    const id = this.recent[Math.floor(Math.random() * this.recent.length)] ?? '';
    await this.send('GET /orders/{id}', seq, `/orders/${encodeURIComponent(id)}`, { method: 'GET' });
  }

  /** Sends to the api this request falls to; on a connection failure once more to the next one. */
  private async send(
    route: Exchange['route'],
    seq: number,
    path: string,
    init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  ): Promise<Exchange> {
    const sentAt = Date.now();
    let exchange: Exchange | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      const target = this.targets[(seq + attempt) % this.targets.length] as Target;
      exchange = await this.attempt(route, target, path, init, sentAt);
      if (exchange.status !== 'no-connection') break;
    }
    const final = exchange as Exchange;
    this.exchanges.push(final);
    return final;
  }

  private async attempt(
    route: Exchange['route'],
    target: Target,
    path: string,
    init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
    sentAt: number,
  ): Promise<Exchange> {
    const base = { route, sentAt, target: target.name };
    try {
      const response = await request(`${target.url}${path}`, {
        ...init,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.body.text();
      const status = response.statusCode;
      const exchange: Exchange = { ...base, doneAt: Date.now(), status };
      if (status === 202) exchange.orderId = String((JSON.parse(text) as { order_id?: unknown }).order_id ?? '');
      else if (status !== 200) exchange.detail = text.slice(0, 300);
      return exchange;
    } catch (error) {
      const err = error as Error & { code?: string; cause?: { code?: string } };
      const text = `${err.name} ${err.code ?? ''} ${err.cause?.code ?? ''} ${err.message}`;
      const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
      return {
        ...base,
        doneAt: Date.now(),
        status: timedOut ? 'timeout' : CONNECT_FAILURES.test(text) ? 'no-connection' : 'error',
        detail: text.slice(0, 300),
      };
    }
  }
}
