/**
 * Parsers for the load lab's flag values (durations, rates, wait ranges). Each
 * throws a `UsageError` whose message names the flag and shows a valid example,
 * so the CLI can print it as is.
 */
import { ParseError, parseDuration as parseSharedDuration } from '../config/parse.js';

/** A mistake in the caller's options: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parses a duration such as `30s`, `1m`, `1h30m`, `500ms`, `1.5s` with the
 * shared parser of every flashsale command. A bare number is read in
 * `bareUnit`: seconds unless told otherwise, as Locust reads --run-time.
 */
export function parseDuration(text: string, flag: string, bareUnit: 'ms' | 's' = 's'): number {
  try {
    return parseSharedDuration(text, { bare: bareUnit });
  } catch (error) {
    if (error instanceof ParseError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}

/** Parses a rate such as `60/s`, `20/min`, `1200/h`; a bare number is per second. Returns events per second. */
export function parseRate(text: string, flag: string): number {
  const match = text
    .trim()
    .toLowerCase()
    .match(/^(\d+(?:\.\d+)?)\s*(?:\/\s*(s|sec|m|min|h|hour))?$/);
  if (!match) throw new UsageError(`${flag}: cannot read rate "${text}" (examples: 60/s, 20/min, 1200/h)`);
  const amount = Number(match[1]);
  const per = match[2] ?? 's';
  const perSecond = per.startsWith('h') ? amount / 3600 : per.startsWith('m') ? amount / 60 : amount;
  if (!(perSecond > 0)) throw new UsageError(`${flag}: rate must be greater than zero, got "${text}"`);
  return perSecond;
}

/**
 * Parses a wait range `MIN-MAX` between a user's requests: `100-500` (bare numbers
 * are milliseconds), `0.1s-0.5s`, a single value for a constant pause, or `0`.
 */
export function parseWait(text: string, flag = '--wait'): [number, number] {
  const parts = text.trim().split(/\s*-\s*/);
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new UsageError(`${flag}: cannot read wait "${text}" (examples: 100-500, 0.1s-0.5s, 0)`);
  }
  const [min, max] = parts.map((p) => parseDuration(p, flag, 'ms')) as [number, number?];
  const hi = max ?? min;
  if (hi < min) throw new UsageError(`${flag}: the minimum (${min} ms) is above the maximum (${hi} ms)`);
  return [min, hi];
}

/** Parses a positive integer flag value. */
export function parseCount(text: string, flag: string, { min = 1 }: { min?: number } = {}): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: expected a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min) throw new UsageError(`${flag}: must be at least ${min}, got ${n}`);
  return n;
}

/** Parses a positive decimal flag value (a spawn rate, a money amount). */
export function parsePositiveNumber(text: string, flag: string, { allowZero = false } = {}): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
    throw new UsageError(`${flag}: expected a number${allowZero ? '' : ' greater than zero'}, got "${text}"`);
  }
  return n;
}

/** Formats milliseconds the way the flags are written: 500ms, 3s, 1m30s, 2h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${round(ms, 3)}ms`;
  if (ms < 60_000) return `${round(ms / 1000, 3)}s`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = round((ms % 60_000) / 1000, 1);
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
