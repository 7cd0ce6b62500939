/**
 * The load generator's HTTP client: what a driver sends and what it gets back.
 * Plain `http://` targets use a lean HTTP/1.1 client on raw sockets (the
 * ceiling of the generator); `https://` targets use undici.
 */
import type { Dispatcher } from 'undici';
import { RawHttpRequester } from './raw-client.js';
import { UndiciRequester } from './undici-client.js';

export type OutcomeKind = 'response' | 'timeout' | 'connection';

/** A request once it has settled, as the `onSettled` callback sees it. Times are `performance.now()` ms. */
export interface SettledRequest {
  readonly kind: OutcomeKind;
  /** For `response`: the status, its reason phrase, the body size, and the body when kept. */
  readonly status: number;
  readonly statusText: string;
  readonly bytes: number;
  readonly body: Buffer | undefined;
  /** For `connection`: the error code (ECONNREFUSED, ECONNRESET, …). */
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
  /** JSON text, or undefined for no body. */
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

export interface Requester {
  /** Requests sent and not settled yet. */
  readonly inFlight: number;
  /**
   * Sends a request now. `intendedAt` is when it should have left (the open
   * loop's schedule); undefined means now (the closed loop).
   */
  send(spec: HttpRequestSpec, intendedAt: number | undefined, then?: () => void): void;
  /** Abandons every request in flight without reporting them; returns how many there were. */
  cancelAll(): number;
  close(): Promise<void>;
}

export function createRequester(origin: string, options: HttpRequesterOptions): Requester {
  const url = new URL(origin);
  return url.protocol === 'http:' ? new RawHttpRequester(url, options) : new UndiciRequester(origin, options);
}
