/**
 * The load generator's HTTP client: undici's connection pool driven through its
 * low-level dispatch API (no response streams, no header objects), with one
 * timer for all request timeouts.
 *
 * Every request of a run has the same timeout and requests are sent in time
 * order, so their deadlines are already sorted: a FIFO of in-flight requests and
 * a single timer armed for the oldest deadline replace one timer per request.
 * The hot path allocates one object per request (plus undici's own): the
 * request is its own handler and its own outcome.
 */
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';

export type OutcomeKind = 'response' | 'timeout' | 'connection';

/** A request once it has settled, as the `onSettled` callback sees it. Times are `performance.now()` ms. */
export interface SettledRequest {
  readonly kind: OutcomeKind;
  /** For `response`: the status, its reason phrase, the body size, and the body when kept. */
  readonly status: number;
  readonly statusText: string;
  readonly bytes: number;
  readonly body: Buffer | undefined;
  /** For `connection`: the error code (ECONNREFUSED, UND_ERR_SOCKET, …). */
  readonly code: string;
  /** When the request should have left (open loop), when it left, and when it settled. */
  readonly intendedAt: number;
  readonly sentAt: number;
  readonly endedAt: number;
  /** The sender's continuation (a closed-loop user's next step). */
  readonly then: (() => void) | undefined;
}

export interface HttpRequestSpec {
  method: Dispatcher.HttpMethod;
  path: string;
  body: string | undefined;
}

export interface HttpRequesterOptions {
  /** Wall ms after which a request counts as a timeout and its connection is dropped. */
  timeoutMs: number;
  /** Most connections to open; null = as many as there are requests in flight. */
  connections: number | null;
  /** Keep response bodies (needed to read the order id of an accepted order). Default false. */
  keepBody?: boolean;
  /** Called once per request, synchronously, when it settles; the object must not be kept. */
  onSettled: (request: SettledRequest) => void;
}

class TimeoutAbort extends Error {
  constructor() {
    super('client timeout');
    this.name = 'TimeoutAbort';
  }
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const NO_HEADERS = {};

/**
 * One request in flight. Uses undici's original handler callbacks (onConnect,
 * onHeaders, …): the newer controller API wraps every handler and parses every
 * response's headers into an object, a measurable share of the ceiling.
 */
class PendingRequest implements Dispatcher.DispatchHandler, SettledRequest {
  settled = false;
  kind: OutcomeKind = 'response';
  status = 0;
  statusText = '';
  bytes = 0;
  body: Buffer | undefined;
  code = '';
  endedAt = 0;
  private abortFn: ((err?: Error) => void) | undefined;
  private chunks: Buffer[] | undefined;

  constructor(
    private readonly owner: HttpRequester,
    readonly intendedAt: number,
    readonly sentAt: number,
    readonly deadline: number,
    readonly then: (() => void) | undefined,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.settled) abort(new TimeoutAbort());
  }

  onHeaders(statusCode: number, _headers: Buffer[], _resume: () => void, statusText: string): boolean {
    this.status = statusCode;
    this.statusText = statusText;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (!this.owner.keepBody) return true;
    if (this.chunks) this.chunks.push(chunk);
    else this.chunks = [chunk];
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    if (this.chunks) this.body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = undefined;
    this.settle('response', performance.now());
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.code = (err as NodeJS.ErrnoException).code ?? err.name;
    this.settle('connection', performance.now());
  }

  /** Gives up on the request: reports the timeout and drops its connection. */
  expire(now: number): void {
    this.settle('timeout', now);
    this.abortFn?.(new TimeoutAbort());
  }

  /** Abandons the request without reporting it (the run stopped). */
  cancel(): void {
    this.settled = true;
    this.abortFn?.(new TimeoutAbort());
  }

  private settle(kind: OutcomeKind, now: number): void {
    this.settled = true;
    // An answer that beat the timer only because the event loop was busy still came too late.
    this.kind = now > this.deadline ? 'timeout' : kind;
    this.endedAt = now;
    this.owner.settle(this);
  }
}

export class HttpRequester {
  readonly keepBody: boolean;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly onSettled: (request: SettledRequest) => void;
  private readonly fifo: PendingRequest[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Requests sent and not yet settled. */
  inFlight = 0;

  constructor(origin: string, options: HttpRequesterOptions) {
    this.timeoutMs = options.timeoutMs;
    this.keepBody = options.keepBody ?? false;
    this.onSettled = options.onSettled;
    this.pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      // Our own timer decides timeouts; undici's would cut differently.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: Math.max(options.timeoutMs, 1000) },
    });
  }

  /** Sends a request now; `intendedAt` is when it should have left (for the open loop's latency). */
  send(spec: HttpRequestSpec, intendedAt: number, then?: () => void): void {
    const now = performance.now();
    const request = new PendingRequest(this, intendedAt, now, now + this.timeoutMs, then);
    this.fifo.push(request);
    this.inFlight++;
    if (!this.timer) this.arm(this.timeoutMs);
    this.pool.dispatch(
      {
        method: spec.method,
        path: spec.path,
        body: spec.body,
        headers: spec.body === undefined ? NO_HEADERS : JSON_HEADERS,
      },
      request,
    );
  }

  /** Bookkeeping when a request settles, then the callback. */
  settle(request: PendingRequest): void {
    this.inFlight--;
    while (this.head < this.fifo.length && this.fifo[this.head]!.settled) this.head++;
    if (this.head > 4096 && this.head * 2 > this.fifo.length) {
      this.fifo.splice(0, this.head);
      this.head = 0;
    }
    this.onSettled(request);
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(delayMs)));
  }

  private readonly onTimer = (): void => {
    // `this.timer` stays set while expiring, so a request sent from a callback does not arm a second timer.
    const now = performance.now();
    while (this.head < this.fifo.length) {
      const request = this.fifo[this.head]!;
      if (request.settled) this.head++;
      else if (request.deadline > now) break;
      else request.expire(now); // settle() moves the head past it
    }
    this.timer = undefined;
    if (this.head < this.fifo.length) this.arm(this.fifo[this.head]!.deadline - now);
    else {
      this.fifo.length = 0;
      this.head = 0;
    }
  };

  /** Abandons every request in flight without reporting them; returns how many there were. */
  cancelAll(): number {
    let cancelled = 0;
    for (let i = this.head; i < this.fifo.length; i++) {
      const request = this.fifo[i]!;
      if (!request.settled) {
        request.cancel();
        cancelled++;
      }
    }
    this.fifo.length = 0;
    this.head = 0;
    this.inFlight = 0;
    return cancelled;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.cancelAll();
    await this.pool.destroy();
  }
}
