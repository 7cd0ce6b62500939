/**
 * The requester for `http://` targets: HTTP/1.1 keep-alive connections on raw
 * sockets, one request at a time per connection (no pipelining, as a browser
 * or Locust sends). A request without a body is one cached buffer; a response
 * is framed by reading three headers. This is what lets the generator keep up
 * with autocannon (wrk and autocannon do the same); undici's general-purpose
 * client spends half as much again per request.
 */
import { connect, type Socket } from 'node:net';
import { VERSION } from '../version.js';
import { DeadlineQueue } from './deadlines.js';
import type { HttpRequesterOptions, HttpRequestSpec, OutcomeKind, Requester, SettledRequest } from './http-client.js';
import { ResponseParser } from './http1-parser.js';

class RawRequest implements SettledRequest {
  settled = false;
  kind: OutcomeKind = 'response';
  status = 0;
  statusText = '';
  bytes = 0;
  body: Buffer | undefined;
  code = '';
  endedAt = 0;
  chunks: Buffer[] | undefined;
  connection: Connection | undefined;

  constructor(
    private readonly owner: RawHttpRequester,
    readonly payload: string | Buffer,
    readonly noBody: boolean,
    readonly intendedAt: number,
    readonly sentAt: number,
    readonly deadline: number,
    readonly then: (() => void) | undefined,
  ) {}

  expire(now: number): void {
    this.owner.expire(this, now);
  }
}

class Connection {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  request: RawRequest | undefined;
  connected = false;
  closed = false;
  errorCode: string | undefined;

  constructor(
    readonly owner: RawHttpRequester,
    host: string,
    port: number,
  ) {
    this.parser = new ResponseParser({
      onHead: (status, statusText) => {
        const r = this.request!;
        r.status = status;
        r.statusText = statusText;
      },
      onBody: (chunk) => {
        const r = this.request!;
        r.bytes += chunk.length;
        if (!owner.keepBody) return;
        if (r.chunks) r.chunks.push(chunk);
        else r.chunks = [chunk];
      },
      onEnd: () => owner.responseEnded(this),
    });
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      if (this.request) this.write(this.request);
    });
    this.socket.on('data', (chunk: Buffer) => {
      if (!this.request) return; // stray bytes after a response: ignore
      const error = this.parser.execute(chunk);
      if (error) {
        this.errorCode = 'HPE_INVALID_RESPONSE';
        this.socket.destroy();
      }
    });
    this.socket.on('error', (err: NodeJS.ErrnoException) => {
      this.errorCode ??= err.code ?? err.name;
    });
    this.socket.on('close', () => {
      this.closed = true;
      owner.connectionClosed(this);
    });
  }

  write(request: RawRequest): void {
    this.parser.expect(request.noBody);
    this.socket.write(request.payload);
  }
}

export class RawHttpRequester implements Requester {
  readonly keepBody: boolean;
  inFlight = 0;
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly timeoutMs: number;
  private readonly maxConnections: number;
  private readonly onSettled: (request: SettledRequest) => void;
  private readonly deadlines: DeadlineQueue<RawRequest>;
  private readonly idle: Connection[] = [];
  private readonly waiting: RawRequest[] = [];
  private readonly heads = new Map<string, Buffer>();
  private open = 0;

  constructor(url: URL, options: HttpRequesterOptions) {
    this.host = url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port || 80);
    this.hostHeader = url.host;
    this.timeoutMs = options.timeoutMs;
    this.maxConnections = options.connections ?? Number.POSITIVE_INFINITY;
    this.keepBody = options.keepBody ?? false;
    this.onSettled = options.onSettled;
    this.deadlines = new DeadlineQueue(options.timeoutMs);
  }

  send(spec: HttpRequestSpec, intendedAt: number | undefined, then?: () => void): void {
    const now = performance.now();
    const request = new RawRequest(
      this,
      this.serialize(spec),
      spec.method === 'HEAD',
      intendedAt ?? now,
      now,
      now + this.timeoutMs,
      then,
    );
    this.inFlight++;
    this.deadlines.add(request);
    this.dispatch(request);
  }

  /** The request's bytes: a cached buffer when there is no body, one string otherwise. */
  private serialize(spec: HttpRequestSpec): string | Buffer {
    const start = `${spec.method} ${spec.path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\nUser-Agent: flashsale-loadtest/${VERSION}\r\n`;
    if (spec.body === undefined) {
      const key = `${spec.method} ${spec.path}`;
      let head = this.heads.get(key);
      if (!head) {
        head = Buffer.from(
          `${start}${spec.method === 'GET' || spec.method === 'HEAD' ? '' : 'Content-Length: 0\r\n'}\r\n`,
          'latin1',
        );
        this.heads.set(key, head);
      }
      return head;
    }
    return `${start}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(spec.body)}\r\n\r\n${spec.body}`;
  }

  private dispatch(request: RawRequest): void {
    let connection = this.idle.pop();
    while (connection?.closed) connection = this.idle.pop();
    if (!connection && this.open < this.maxConnections) {
      connection = new Connection(this, this.host, this.port);
      this.open++;
    }
    if (!connection) {
      this.waiting.push(request);
      return;
    }
    request.connection = connection;
    connection.request = request;
    if (connection.connected) connection.write(request);
  }

  /** A response is complete: free its connection first (the callback may send the next request). */
  responseEnded(connection: Connection): void {
    const request = connection.request!;
    connection.request = undefined;
    request.connection = undefined;
    if (request.chunks) request.body = request.chunks.length === 1 ? request.chunks[0] : Buffer.concat(request.chunks);
    request.chunks = undefined;
    if (connection.parser.keepAlive) this.release(connection);
    else connection.socket.destroy();
    this.settle(request, 'response', performance.now());
  }

  private release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) {
      next.connection = connection;
      connection.request = next;
      connection.write(next);
    } else this.idle.push(connection);
  }

  connectionClosed(connection: Connection): void {
    this.open--;
    const request = connection.request;
    // A body delimited by the close is complete now (responseEnded settles it); anything else is cut off.
    if (request && !request.settled && !connection.parser.closeEndsResponse()) {
      connection.request = undefined;
      request.connection = undefined;
      request.code = connection.errorCode ?? (connection.connected ? 'ECONNRESET' : 'ECONNREFUSED');
      this.settle(request, 'connection', performance.now());
    }
    // A closed connection frees a slot for a request waiting for one.
    const next = this.waiting.shift();
    if (next) this.dispatch(next);
  }

  /** The request's deadline passed: report the timeout and drop its connection (or its place in line). */
  expire(request: RawRequest, now: number): void {
    const connection = request.connection;
    if (connection) {
      connection.request = undefined;
      request.connection = undefined;
      connection.socket.destroy();
    } else {
      const at = this.waiting.indexOf(request);
      if (at >= 0) this.waiting.splice(at, 1);
    }
    this.settle(request, 'timeout', now);
  }

  private settle(request: RawRequest, kind: OutcomeKind, now: number): void {
    request.settled = true;
    // An answer that beat the timer only because the event loop was busy still came too late.
    request.kind = now > request.deadline ? 'timeout' : kind;
    request.endedAt = now;
    this.inFlight--;
    this.deadlines.compact();
    this.onSettled(request);
  }

  cancelAll(): number {
    const open = this.deadlines.drain();
    this.waiting.length = 0;
    for (const request of open) {
      request.settled = true;
      const connection = request.connection;
      request.connection = undefined;
      if (connection) {
        connection.request = undefined;
        connection.socket.destroy();
      }
    }
    this.inFlight = 0;
    return open.length;
  }

  async close(): Promise<void> {
    this.deadlines.stop();
    this.cancelAll();
    const closing = this.idle.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.closed) return resolve();
          c.socket.once('close', () => resolve());
          c.socket.destroy();
        }),
    );
    await Promise.all(closing);
  }
}
