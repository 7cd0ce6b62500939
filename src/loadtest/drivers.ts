/**
 * The two ways of generating load.
 *
 * Closed loop (Locust's users): each virtual user sends a request, waits for its
 * answer, pauses a random time, and repeats; users start at the spawn rate, as
 * Locust 2 starts them: ⌊rate⌋ users at once every ⌊rate⌋ ÷ rate seconds (10/s
 * starts 10 users at 0 s and 10 more at 1 s).
 *
 * Open loop: requests leave at fixed intended times whatever the server does;
 * each latency is measured from its intended time, so a stalled server (or a
 * stalled client) shows up in the figures instead of silently thinning the
 * load — no coordinated omission.
 */

/**
 * Sends one request; `done` runs after its outcome is recorded. `intendedAt`
 * (`performance.now()` ms) is when it should have left; undefined means now.
 */
export type Fire = (intendedAt: number | undefined, done?: () => void) => void;

export interface Driver {
  start(): void;
  /** No new requests from now on. */
  stop(): void;
  /** Users running (closed loop). */
  readonly active: number;
}

export interface ClosedLoopOptions {
  users: number;
  /** Users started together at each spawn step (Locust: ⌊spawn rate⌋, at least 1). */
  usersPerSpawn: number;
  /** Wall ms between two spawn steps (Locust: usersPerSpawn ÷ spawn rate). */
  spawnIntervalMs: number;
  /** Pause range between a user's requests, wall ms. */
  waitMs: [number, number];
  random: () => number;
}

export class ClosedLoop implements Driver {
  active = 0;
  private stopped = false;
  private spawnTimer: NodeJS.Timeout | undefined;
  private readonly waitTimers: (NodeJS.Timeout | undefined)[] = [];
  private startedAt = 0;

  constructor(
    private readonly fire: Fire,
    private readonly options: ClosedLoopOptions,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.spawnDue();
  }

  private spawnDue = (): void => {
    this.spawnTimer = undefined;
    if (this.stopped) return;
    const { users, usersPerSpawn, spawnIntervalMs } = this.options;
    const elapsed = performance.now() - this.startedAt;
    const steps = Math.floor(elapsed / spawnIntervalMs) + 1;
    const due = Math.min(users, steps * usersPerSpawn);
    while (this.active < due) this.runUser(this.active++);
    if (this.active < users) {
      this.spawnTimer = setTimeout(this.spawnDue, Math.max(0, steps * spawnIntervalMs - elapsed));
    }
  };

  private runUser(index: number): void {
    const [min, max] = this.options.waitMs;
    const next = (): void => {
      this.waitTimers[index] = undefined;
      if (this.stopped) return;
      this.fire(undefined, afterAnswer);
    };
    const afterAnswer = (): void => {
      if (this.stopped) return;
      const wait = min + this.options.random() * (max - min);
      if (wait <= 0) next();
      else this.waitTimers[index] = setTimeout(next, wait);
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    if (this.spawnTimer) clearTimeout(this.spawnTimer);
    for (const timer of this.waitTimers) if (timer) clearTimeout(timer);
  }
}

export interface OpenLoopOptions {
  /** Wall ms between two intended send times. */
  intervalMs: number;
  /** Wall ms after the start at which scheduling ends. */
  durationMs: number;
}

export class OpenLoop implements Driver {
  readonly active = 0;
  /** Requests sent so far. */
  sent = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;

  constructor(
    private readonly fire: Fire,
    private readonly options: OpenLoopOptions,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.tick();
  }

  private tick = (): void => {
    this.timer = undefined;
    if (this.stopped) return;
    const { intervalMs, durationMs } = this.options;
    const elapsed = performance.now() - this.startedAt;
    // Everything whose intended time has come goes now, each stamped with its own intended time.
    while (this.sent * intervalMs <= elapsed && this.sent * intervalMs < durationMs) {
      this.fire(this.startedAt + this.sent * intervalMs);
      this.sent++;
    }
    if (this.sent * intervalMs < durationMs) {
      this.timer = setTimeout(this.tick, Math.max(0, this.sent * intervalMs - elapsed));
    }
  };

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
