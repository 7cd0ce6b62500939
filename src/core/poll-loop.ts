import { setMaxListeners } from 'node:events';
import { Backoff, type BackoffOptions } from './backoff.js';
import { type Clock, isAbortError } from './clock.js';
import { DependencyError, type DependencyHealth } from './health.js';
import type { Logger } from './ports.js';

/** What a round asks for next: another round at once, none until `wake()`, or one after a pause that `wake()` cuts short. */
export type NextRound = 'again' | 'idle' | { afterMs: number };

export interface PollLoopOptions {
  /** Names the loop in the log (processor, push dispatcher, outbox relay). */
  name: string;
  /** The dependency a failed round is blamed on when its error names none (a DependencyError names one). */
  dependency: string;
  /** Real ms between retries while a dependency is down. */
  backoff: BackoffOptions;
}

export interface PollLoopDeps<W> {
  clock: Clock;
  logger: Logger;
  health: DependencyHealth;
  /**
   * One round: take work, hand each piece to `loop.run`, and say what next.
   * `signal` aborts when the loop stops, when `abort()` is called, or when a
   * probed dependency goes down. A rejection is a dependency's failure.
   */
  round: (signal: AbortSignal) => Promise<NextRound>;
  /** Gives back a piece of work still running when stop()'s grace ends (a message made visible again). */
  release?: (item: W) => Promise<unknown>;
  /**
   * Cheap calls that tell whether a dependency is back. While one of these
   * dependencies is down no round runs — work taken then would only fail —
   * and its probe is tried after each backoff delay instead.
   */
  probes?: Readonly<Record<string, () => Promise<unknown>>>;
  /** Uniform in [0, 1) for the backoff's jitter. Default Math.random. */
  random?: () => number;
}

/**
 * The poll loop that the processor, the push dispatcher and the outbox relay
 * share: start, stop with a grace period, abort of the round in progress,
 * wake-ups, in-flight work released on stop, and backoff with full jitter
 * while a dependency is down. It never ends on an error and never leaves a
 * promise unhandled: a failed round is reported to the dependency health,
 * waited out and tried again.
 */
export class PollLoop<W> {
  private readonly backoff: Backoff;
  private running = false;
  private cycle?: Promise<void>;
  // One controller per round, per pause and per idle wait, aborted by whoever ends it: a
  // long-lived signal combined with AbortSignal.any() on every round would retain them all.
  private roundAbort = new AbortController();
  private pausing?: { controller: AbortController; wakeable: boolean };
  private idling?: () => void;
  private pendingWake = false;
  private stopping?: Promise<void>;
  /** The dependency this loop itself reported down, for lack of a DependencyError naming one. */
  private blamed?: string;
  private unsubscribe?: () => void;
  private readonly inFlight = new Map<W, Promise<void>>();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: PollLoopDeps<W>,
    private readonly options: PollLoopOptions,
  ) {
    this.backoff = new Backoff(options.backoff, deps.random);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Pieces of work handed to run() and not yet finished. */
  get busy(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const probed = Object.keys(this.deps.probes ?? {});
    this.deps.health.track(this.options.dependency, ...probed);
    // Work taken after a probed dependency failed would fail too: stop taking it at once.
    this.unsubscribe = this.deps.health.on('change', (name, status) => {
      if (!status.up && probed.includes(name)) this.roundAbort.abort();
    });
    this.cycle = this.loop();
  }

  /** Ends an idle wait or a poll-interval pause now, or the next one if a round is running. */
  wake(): void {
    this.pendingWake = true;
    if (this.pausing?.wakeable) this.pausing.controller.abort();
    this.idling?.();
  }

  /** Aborts the round in progress (its long polls end); the loop goes on with the next round. */
  abort(): void {
    this.roundAbort.abort();
  }

  /** Tracks a piece of work taken by a round until `task` ends. `task` must not reject; if it does, it is logged. */
  run(item: W, task: Promise<void>): void {
    const done = task
      .catch((err) => this.deps.logger.error({ err, loop: this.options.name }, `${this.options.name}: work failed`))
      .finally(() => {
        this.inFlight.delete(item);
        this.wake();
      });
    this.inFlight.set(item, done);
  }

  /** Tracks bookkeeping that need not hold a worker but must end before stop() returns (acknowledging a message). */
  later(task: Promise<unknown>): void {
    const done = task
      .catch((err) => this.deps.logger.warn({ err, loop: this.options.name }, `${this.options.name}: follow-up failed`))
      .finally(() => this.background.delete(done));
    this.background.add(done);
  }

  /**
   * Stops taking work, then waits up to `graceMs` (real ms) for the work in
   * flight; what still runs then is released, so that another process takes
   * it now rather than after its lease or visibility timeout.
   */
  stop(graceMs: number): Promise<void> {
    if (this.running) this.stopping = this.shutDown(graceMs);
    return this.stopping ?? Promise.resolve();
  }

  /**
   * Resolves once every piece of work taken has ended, released by stop() or
   * not, and its bookkeeping with it: what a stop waits for before it closes
   * what that work writes to.
   */
  async finished(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
    await Promise.allSettled([...this.background]);
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.roundAbort.abort();
    this.pausing?.controller.abort();
    this.idling?.();
    await this.cycle;
    if (this.inFlight.size > 0) {
      const grace = new AbortController();
      const finished = Promise.allSettled([...this.inFlight.values()]).then(() => true);
      // The grace timer is cancelled once the work is done, so it does not hold the process open.
      const graceOver = this.deps.clock.sleepReal(graceMs, grace.signal).then(
        () => false,
        () => true,
      );
      const allDone = await Promise.race([finished, graceOver]);
      grace.abort();
      if (!allDone) await this.releaseUnfinished();
    }
    await Promise.allSettled([...this.background]);
  }

  private async releaseUnfinished(): Promise<void> {
    const { release, logger } = this.deps;
    if (!release) return;
    for (const item of this.inFlight.keys()) {
      await release(item).catch((err) =>
        logger.warn({ err, loop: this.options.name }, `${this.options.name}: could not release unfinished work`),
      );
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.step();
      } catch (err) {
        // Only a bug in a round's own bookkeeping gets here; the loop outlives it.
        this.deps.logger.error({ err, loop: this.options.name }, `${this.options.name}: unexpected error; going on`);
        await this.pause(this.backoff.next(), false);
      }
    }
  }

  private async step(): Promise<void> {
    const { health, probes } = this.deps;
    const down = Object.keys(probes ?? {}).find((name) => !health.isUp(name));
    if (down !== undefined) {
      await this.pause(this.backoff.next(), false);
      // observe() reports the probe's result; a failure is already counted there.
      if (this.running) await health.observe(down, probes?.[down]?.() ?? Promise.resolve()).catch(() => undefined);
      return;
    }
    this.pendingWake = false;
    this.roundAbort = new AbortController();
    const signal = this.roundAbort.signal;
    // Every parallel receive of a large pool listens on it: many listeners are expected, not a leak.
    setMaxListeners(0, signal);
    let next: NextRound;
    try {
      next = await this.deps.round(signal);
    } catch (error) {
      if (!this.running || (signal.aborted && isAbortError(error))) return;
      await this.failed(error);
      return;
    }
    this.backoff.reset();
    if (this.blamed !== undefined) this.deps.health.up(this.blamed);
    this.blamed = undefined;
    if (next === 'idle') await this.idle();
    else if (next !== 'again') await this.pause(next.afterMs, true);
  }

  private async failed(error: unknown): Promise<void> {
    const { health, logger } = this.deps;
    const dependency = error instanceof DependencyError ? error.dependency : this.options.dependency;
    // observe() has reported a DependencyError already; anything else is blamed on the loop's
    // main dependency here, and cleared here by the next round that succeeds.
    if (!(error instanceof DependencyError)) {
      health.down(dependency, error);
      this.blamed = dependency;
    }
    const delay = this.backoff.next();
    logger.debug({ err: error, loop: this.options.name, dependency, retryInMs: delay }, 'round failed; backing off');
    await this.pause(delay, false);
  }

  /** Waits `ms` real ms, or less when stopped (or woken, if `wakeable`). */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    if (!this.running || (wakeable && this.pendingWake)) return;
    const controller = new AbortController();
    this.pausing = { controller, wakeable };
    await this.deps.clock.sleepReal(ms, controller.signal).catch(() => undefined);
    this.pausing = undefined;
  }

  /** Waits for wake() or stop(). */
  private idle(): Promise<void> {
    if (!this.running || this.pendingWake) return Promise.resolve();
    return new Promise((resolve) => {
      this.idling = () => {
        this.idling = undefined;
        resolve();
      };
    });
  }
}
