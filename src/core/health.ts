import { type Clock, isAbortError } from './clock.js';
import { Events, type Listener } from './events.js';
import type { Logger } from './ports.js';

/** What one dependency (store, bus, gateway, …) looks like from this process. */
export interface DependencyStatus {
  up: boolean;
  /** Wall ms of the last change between up and down (or of the first report). */
  since: number;
  /** Failed calls in a row; 0 while up. */
  failures: number;
  /** Times it went down since start. */
  outages: number;
  /** The last failure's message, kept after recovery for the operator. */
  lastError?: string;
}

export interface HealthEvents {
  /** A dependency went down or came back. */
  change: [name: string, status: Readonly<DependencyStatus>];
}

/** A call on a dependency failed; `dependency` names which one, for the backoff and the log. */
export class DependencyError extends Error {
  constructor(
    readonly dependency: string,
    override readonly cause: unknown,
  ) {
    super(`${dependency} unavailable: ${messageOf(cause)}`);
    this.name = 'DependencyError';
  }
}

/**
 * Up or down, per named dependency, as the calls of this process find them.
 * A change is logged once — a warning with the error when it goes down, an
 * info with the outage's length when it comes back — never once per retry, so
 * an outage of an hour is two log lines, not thousands. `snapshot()` feeds
 * /stats `dependencies`; `ready()` tells whether the process can do its work.
 */
export class DependencyHealth {
  private readonly states = new Map<string, DependencyStatus>();
  private readonly events: Events<HealthEvents>;

  constructor(private readonly deps: { clock: Clock; logger: Logger }) {
    this.events = new Events((err) => deps.logger.error({ err }, 'a dependency health listener failed'));
  }

  /** Lists dependencies as up before any call reports on them. */
  track(...names: string[]): void {
    for (const name of names) this.state(name);
  }

  isUp(name: string): boolean {
    return this.states.get(name)?.up ?? true;
  }

  /** Whether every dependency named (default: every one known) is up. */
  ready(names?: readonly string[]): boolean {
    return (names ?? [...this.states.keys()]).every((name) => this.isUp(name));
  }

  /** A call on `name` succeeded. */
  up(name: string): void {
    const state = this.state(name);
    if (state.up) return;
    const outageMs = this.deps.clock.now() - state.since;
    const failures = state.failures;
    state.up = true;
    state.since = this.deps.clock.now();
    state.failures = 0;
    this.deps.logger.info(
      { dependency: name, outageMs, failures },
      `${name} is back after ${(outageMs / 1000).toFixed(1)} s`,
    );
    this.events.emit('change', name, { ...state });
  }

  /** A call on `name` failed with `error`. */
  down(name: string, error: unknown): void {
    const state = this.state(name);
    state.failures++;
    state.lastError = messageOf(error);
    if (!state.up) return;
    state.up = false;
    state.since = this.deps.clock.now();
    state.outages++;
    this.deps.logger.warn(
      { dependency: name, err: error },
      `${name} is unavailable; retrying with backoff until it answers`,
    );
    this.events.emit('change', name, { ...state });
  }

  /**
   * Awaits a call on `name` and reports how it went. A failure rejects with a
   * DependencyError naming `name`; an abort is the caller's own doing and
   * says nothing about the dependency, so it passes through unreported.
   */
  async observe<T>(name: string, call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      this.up(name);
      return result;
    } catch (error) {
      if (isAbortError(error)) throw error;
      this.down(name, error);
      throw new DependencyError(name, error);
    }
  }

  on<K extends keyof HealthEvents>(event: K, listener: Listener<HealthEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  status(name: string): Readonly<DependencyStatus> | undefined {
    const state = this.states.get(name);
    return state && { ...state };
  }

  /** /stats `dependencies`: each one's state, since when, and its failures. */
  snapshot(): Record<string, Record<string, unknown>> {
    const now = this.deps.clock.now();
    const view: Record<string, Record<string, unknown>> = {};
    for (const [name, s] of this.states) {
      view[name] = {
        state: s.up ? 'up' : 'down',
        since: new Date(s.since).toISOString(),
        ...(s.up ? {} : { down_ms: Math.round(now - s.since) }),
        failures: s.failures,
        outages: s.outages,
        ...(s.lastError !== undefined ? { last_error: s.lastError } : {}),
      };
    }
    return view;
  }

  /** A dependency first heard of starts up, so that a first failure is a change that logs and counts. */
  private state(name: string): DependencyStatus {
    let state = this.states.get(name);
    if (!state) {
      state = { up: true, since: this.deps.clock.now(), failures: 0, outages: 0 };
      this.states.set(name, state);
    }
    return state;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
