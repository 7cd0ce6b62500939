/**
 * An incremental HTTP/1.1 response parser for one connection of the load
 * generator: status line, the three headers that frame a message
 * (Content-Length, Transfer-Encoding, Connection), and the body — sized,
 * chunked, or until the server closes. Other headers are skipped unread.
 */

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
/** Larger heads are a protocol error (Node's own limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;

export interface ParserEvents {
  onHead(status: number, statusText: string): void;
  onBody(chunk: Buffer): void;
  /** The response is complete. */
  onEnd(): void;
}

type State = 'head' | 'sized' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'done';

export class ResponseParser {
  private state: State = 'done';
  private pending: Buffer | undefined;
  private remaining = 0;
  private noBody = false;
  /** False when the server asked to close the connection after this response (or must close it to end the body). */
  keepAlive = true;

  constructor(private readonly events: ParserEvents) {}

  /** Prepares for the next response; `noBody` for HEAD requests. */
  expect(noBody = false): void {
    this.state = 'head';
    this.pending = undefined;
    this.noBody = noBody;
    this.keepAlive = true;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** Feeds bytes from the socket. Returns an error message when the bytes are not an HTTP response. */
  execute(chunk: Buffer): string | undefined {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let pos = 0;
    while (pos < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(HEAD_END, pos);
          if (end < 0) {
            if (buf.length - pos > MAX_HEAD_BYTES) return 'response head too large';
            this.pending = buf.subarray(pos);
            return undefined;
          }
          const error = this.head(buf.toString('latin1', pos, end));
          if (error) return error;
          pos = end + 4;
          break;
        }
        case 'sized':
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.length - pos);
          this.events.onBody(buf.subarray(pos, pos + take));
          this.remaining -= take;
          pos += take;
          if (this.remaining === 0) this.state = this.state === 'sized' ? 'done' : 'chunk-end';
          break;
        }
        case 'chunk-size': {
          const end = buf.indexOf(CRLF, pos);
          if (end < 0) {
            this.pending = buf.subarray(pos);
            return undefined;
          }
          const size = Number.parseInt(buf.toString('latin1', pos, end).split(';')[0]!.trim(), 16);
          if (!Number.isFinite(size) || size < 0) return 'bad chunk size';
          pos = end + 2;
          this.remaining = size;
          this.state = size === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-end': {
          if (buf.length - pos < 2) {
            this.pending = buf.subarray(pos);
            return undefined;
          }
          if (buf[pos] !== 13 || buf[pos + 1] !== 10) return 'chunk not followed by CRLF';
          pos += 2;
          this.state = 'chunk-size';
          break;
        }
        case 'trailers': {
          const end = buf.indexOf(CRLF, pos);
          if (end < 0) {
            this.pending = buf.subarray(pos);
            return undefined;
          }
          if (end === pos) this.state = 'done';
          pos = end + 2;
          break;
        }
        case 'until-close':
          this.events.onBody(buf.subarray(pos));
          pos = buf.length;
          break;
      }
    }
    if (this.state === 'done') this.events.onEnd();
    return undefined;
  }

  /** The server closed the connection: true when that ended the response (a body delimited by the close). */
  closeEndsResponse(): boolean {
    if (this.state !== 'until-close') return false;
    this.state = 'done';
    this.events.onEnd();
    return true;
  }

  private head(text: string): string | undefined {
    if (!text.startsWith('HTTP/1.')) return 'not an HTTP/1.x response';
    const lineEnd = text.indexOf('\r\n');
    const statusLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
    const status = Number(statusLine.slice(9, 12));
    if (!Number.isInteger(status) || status < 100) return 'bad status line';
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one.
    if (status < 200 && status !== 101) return undefined;
    const lower = text.toLowerCase();
    const http10 = statusLine.startsWith('HTTP/1.0');
    const connection = headerValue(lower, 'connection');
    this.keepAlive = http10 ? connection === 'keep-alive' : !connection?.includes('close');
    this.events.onHead(status, statusLine.slice(13));
    const encoding = headerValue(lower, 'transfer-encoding');
    const length = headerValue(lower, 'content-length');
    if (this.noBody || status === 204 || status === 304) this.state = 'done';
    else if (encoding?.includes('chunked')) this.state = 'chunk-size';
    else if (length !== undefined) {
      this.remaining = Number(length);
      if (!Number.isSafeInteger(this.remaining) || this.remaining < 0) return 'bad Content-Length';
      this.state = this.remaining === 0 ? 'done' : 'sized';
    } else {
      this.state = 'until-close';
      this.keepAlive = false;
    }
    return undefined;
  }
}

/** The value of a header in a lower-cased head, or undefined. */
function headerValue(lowerHead: string, name: string): string | undefined {
  const at = lowerHead.indexOf(`\r\n${name}:`);
  if (at < 0) return undefined;
  const start = at + name.length + 3;
  const end = lowerHead.indexOf('\r\n', start);
  return lowerHead.slice(start, end < 0 ? undefined : end).trim();
}
