/**
 * The requester for `https://` targets: undici's connection pool driven
 * through its low-level dispatch API (no response streams, no header objects).
 * The request is its own handler and its own outcome.
 */
import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import { DeadlineQueue } from './deadlines.js';
import type { HttpRequesterOptions, HttpRequestSpec, OutcomeKind, Requester, SettledRequest } from './http-client.js';

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
 * response's headers into an object.
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
    private readonly owner: UndiciRequester,
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

export class UndiciRequester implements Requester {
  readonly keepBody: boolean;
  inFlight = 0;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly onSettled: (request: SettledRequest) => void;
  private readonly deadlines: DeadlineQueue<PendingRequest>;

  constructor(origin: string, options: HttpRequesterOptions) {
    this.timeoutMs = options.timeoutMs;
    this.keepBody = options.keepBody ?? false;
    this.onSettled = options.onSettled;
    this.deadlines = new DeadlineQueue(options.timeoutMs);
    this.pool = new Pool(origin, {
      connections: options.connections,
      pipelining: 1,
      // Our own timer decides timeouts; undici's would cut differently.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: Math.max(options.timeoutMs, 1000) },
    });
  }

  send(spec: HttpRequestSpec, intendedAt: number | undefined, then?: () => void): void {
    const now = performance.now();
    const request = new PendingRequest(this, intendedAt ?? now, now, now + this.timeoutMs, then);
    this.inFlight++;
    this.deadlines.add(request);
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

  settle(request: PendingRequest): void {
    this.inFlight--;
    this.deadlines.compact();
    this.onSettled(request);
  }

  cancelAll(): number {
    const open = this.deadlines.drain();
    for (const request of open) request.cancel();
    this.inFlight = 0;
    return open.length;
  }

  async close(): Promise<void> {
    this.deadlines.stop();
    this.cancelAll();
    await this.pool.destroy();
  }
}
