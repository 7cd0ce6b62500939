import type { Logger } from '../core/ports.js';

interface Release {
  name: string;
  release: () => unknown;
}

/**
 * What undoes a process's set-up, one entry per step, run in reverse order
 * of registration. The composition root registers each part as it builds it
 * (the store first, the work it takes last), so teardown can only run as
 * stop taking work → drain → release unfinished messages → let the work
 * under way end → send queued emails → close the gateway → close the bus →
 * close the store, whatever the role: no hand-written close() to drift.
 */
export class ReleaseStack {
  private readonly entries: Release[] = [];
  private releasing?: Promise<void>;

  constructor(private readonly logger: Logger) {}

  /** Registers what undoes the step just taken. */
  defer(name: string, release: () => unknown): void {
    if (this.releasing) throw new Error(`cannot defer "${name}": the stack is already being released`);
    this.entries.push({ name, release });
  }

  /** The entries in the order release() runs them. */
  get order(): string[] {
    return this.entries.map((entry) => entry.name).reverse();
  }

  /**
   * Runs every entry once, last registered first. A failing entry is logged
   * and the next one still runs: a store must be closed even when the bus
   * could not be.
   */
  release(): Promise<void> {
    this.releasing ??= (async () => {
      for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
        try {
          await entry.release();
        } catch (err) {
          this.logger.warn({ err, step: entry.name }, `shutdown: ${entry.name} failed; going on`);
        }
      }
    })();
    return this.releasing;
  }
}
