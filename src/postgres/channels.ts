import pg from 'pg';
import type { Logger } from '../core/ports.js';

type Handler = (payload: string) => void;

/**
 * NOTIFY channels as this process hears them: what its own transactions
 * announce (handed over at once, after their commit, by `local`) and what
 * other processes send (one LISTEN connection, opened when the first handler
 * comes, reopened when it drops). A notification sent by one of this
 * process's own connections is skipped: it was heard locally already.
 */
export class Channels {
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnected = new Set<() => void>();
  private listenedOnce = false;
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly deps: { logger: Logger; isOwnBackend: (pid: number) => boolean },
    private readonly options: { url: string; schema?: string },
  ) {}

  /** Calls `handler` with each payload on `channel`; returns the unsubscribe function. */
  listen(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) void this.client.query(`LISTEN ${channel}`).catch(() => undefined);
    }
    set.add(handler);
    void this.connect();
    return () => set.delete(handler);
  }

  /**
   * Calls `handler` each time the LISTEN connection is back after a loss: what
   * was sent while it was down is not heard, so a listener reads the state again.
   */
  afterReconnect(handler: () => void): () => void {
    this.reconnected.add(handler);
    return () => this.reconnected.delete(handler);
  }

  /** Resolves once the LISTEN connection is up (or has failed and is being retried). */
  async ready(): Promise<void> {
    await this.connecting;
  }

  /** Hands a payload this process committed to its own handlers. */
  local(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) handler(payload);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.connecting?.catch(() => undefined);
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private connect(): Promise<void> {
    if (this.closed || this.client || this.connecting) return this.connecting ?? Promise.resolve();
    const { schema } = this.options;
    const client = new pg.Client({
      connectionString: this.options.url,
      keepAlive: true,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      if (error) this.deps.logger.debug({ err: error.message }, 'NOTIFY connection lost');
      if (!this.closed) this.retry = setTimeout(() => void this.connect(), 1000).unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (this.deps.isOwnBackend(message.processId)) return;
      this.local(message.channel, message.payload ?? '');
    });
    this.connecting = (async () => {
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
        if (this.closed) await client.end();
        else {
          this.client = client;
          if (this.listenedOnce) for (const handler of this.reconnected) handler();
          this.listenedOnce = true;
        }
      } catch (error) {
        await client.end().catch(() => undefined);
        if (!this.closed) {
          this.deps.logger.debug({ err: (error as Error).message }, 'NOTIFY connection failed');
          this.retry = setTimeout(() => void this.connect(), 1000).unref();
        }
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }
}
