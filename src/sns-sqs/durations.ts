import type { Clock } from '../core/clock.js';

/**
 * SQS counts time in whole seconds. Simulated durations are scaled by the
 * clock first, then rounded: visibility and delays round *up* (a message is
 * never shown earlier than asked; a non-zero visibility is at least 1 s), the
 * long-poll wait rounds to the nearest second, and every value is clamped to
 * what SQS accepts.
 */
export class SqsDurations {
  constructor(private readonly clock: Clock) {}

  /** VisibilityTimeout / ChangeMessageVisibility: 0–43200 s. */
  visibility(simulatedMs: number): number {
    if (simulatedMs <= 0) return 0;
    return clamp(Math.ceil(this.clock.scale(simulatedMs) / 1000 - 1e-9), 1, 43_200);
  }

  /** WaitTimeSeconds: 0–20 s. */
  wait(simulatedMs: number): number {
    return clamp(Math.round(this.clock.scale(simulatedMs) / 1000), 0, 20);
  }

  /** MessageRetentionPeriod: 60 s – 14 days. */
  retention(simulatedMs: number): number {
    return clamp(Math.round(this.clock.scale(simulatedMs) / 1000), 60, 1_209_600);
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
