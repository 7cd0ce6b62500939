import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type Log = (...args: unknown[]) => void;

/**
 * A request's logger, made a pino child (with the request id) only when the
 * request logs something. Request logging is off, so almost no request does,
 * and a child per request was a measurable share of an accepted order's CPU.
 */
class LazyRequestLogger {
  private made?: FastifyBaseLogger;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: object,
  ) {}

  private get logger(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  child(bindings: Bindings, options?: object): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    (this.logger.fatal as Log)(...args);
  }
  error(...args: unknown[]): void {
    (this.logger.error as Log)(...args);
  }
  warn(...args: unknown[]): void {
    (this.logger.warn as Log)(...args);
  }
  info(...args: unknown[]): void {
    (this.logger.info as Log)(...args);
  }
  debug(...args: unknown[]): void {
    (this.logger.debug as Log)(...args);
  }
  trace(...args: unknown[]): void {
    (this.logger.trace as Log)(...args);
  }
  silent(...args: unknown[]): void {
    (this.logger.silent as Log)(...args);
  }
}

/** Fastify's childLoggerFactory: the request's child logger, made on first use. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: object): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
