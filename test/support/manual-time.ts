import type { ManualClock } from '../../src/core/manual-clock.js';
import type { Logger } from '../../src/core/ports.js';

/**
 * Drives `clock` to its next sleep whenever something sleeps, until `check`
 * returns a truthy value; fails after `timeoutMs` real ms. Between sleeps the
 * code under test runs its real I/O; time moves only here.
 */
export async function runUntil<T>(
  clock: ManualClock,
  check: () => T | Promise<T>,
  options: { timeoutMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`timed out: ${options.message ?? 'condition not met'}`);
    if (clock.pending > 0) await clock.tick();
    else await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error' | 'debug';
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps what it is told, for tests about what an operator reads. */
export function recordingLogger(): Logger & { lines: LogLine[]; at(level: LogLine['level']): string[] } {
  const lines: LogLine[] = [];
  const log =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      if (typeof obj === 'string') lines.push({ level, msg: obj, fields: {} });
      else lines.push({ level, msg: msg ?? '', fields: obj as Record<string, unknown> });
    };
  return {
    lines,
    at: (level) => lines.filter((l) => l.level === level).map((l) => l.msg),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    debug: log('debug'),
  };
}

/** Counts unhandled rejections while a test runs; call the returned function to stop counting. */
export function countUnhandledRejections(): { count: () => number; stop: () => void } {
  let n = 0;
  const listener = () => {
    n++;
  };
  process.on('unhandledRejection', listener);
  return { count: () => n, stop: () => process.off('unhandledRejection', listener) };
}
