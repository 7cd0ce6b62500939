/**
 * The one duration, boolean and number parser of flashsale: every setting,
 * every flag of every command and every environment variable is read by
 * these, so `3s` or `on` means the same thing everywhere. Each throws a
 * ParseError whose message says what was expected; the caller adds the name
 * (flag or variable) the text came from.
 */

/**
 * Text that cannot be read as the kind of value expected. The message says
 * why, after the flag's name when the caller gave one (`--latency: …`).
 */
export class ParseError extends Error {
  constructor(message: string, flag?: string) {
    super(flag ? `${flag}: ${message}` : message);
    this.name = 'ParseError';
  }
}

/** Names the flag a value came from, for the message. */
export interface Named {
  flag?: string;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|min|s|m|h|d)/g;
const BARE = /^(\d+(?:\.\d+)?|\.\d+)$/;

export interface DurationOptions extends Named {
  /** Unit of a bare number. Default ms; the load generator reads Locust's seconds. */
  bare?: 'ms' | 's';
  /** Refuse 0. */
  positive?: boolean;
}

/**
 * Reads a duration in milliseconds: `500ms`, `3s`, `1.5s`, `2m`, `1h30m`, `4d`;
 * a bare number is milliseconds (so FLASHSALE_*_MS variables keep their meaning).
 * A number (from code or JSON) is taken as milliseconds.
 */
export function parseDuration(raw: string | number, options: DurationOptions = {}): number {
  const ms = readDuration(raw, options);
  if (options.positive && ms === 0) throw new ParseError(`must be > 0, got "${raw}"`, options.flag);
  return ms;
}

function readDuration(raw: string | number, { bare = 'ms', flag }: DurationOptions): number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw) || raw < 0) throw new ParseError(`must be a duration ≥ 0, got ${raw}`, flag);
    return raw;
  }
  const text = raw.trim().toLowerCase();
  if (BARE.test(text)) return Number(text) * (bare === 's' ? 1000 : 1);
  if (text.startsWith('-')) throw new ParseError(`cannot read duration "${raw}": a duration is never negative`, flag);
  const parts = text.match(PART);
  if (!parts || parts.join('') !== text) {
    const unit = bare === 's' ? 'seconds' : 'ms';
    throw new ParseError(
      `cannot read duration "${raw}" (examples: 500ms, 3s, 1.5s, 2m, 1h30m; a bare number is ${unit})`,
      flag,
    );
  }
  let total = 0;
  for (const part of parts) {
    const [, amount, unit] = /^(.+?)(ms|min|s|m|h|d)$/.exec(part)!;
    total += Number(amount) * UNIT_MS[unit!]!;
  }
  return total;
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** Reads 1/0, true/false, yes/no, on/off (any case). */
export function parseBoolean(raw: string | boolean, { flag }: Named = {}): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = raw.trim();
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  throw new ParseError(`must be true or false (or on/off, yes/no, 1/0), got "${raw}"`, flag);
}

export interface NumberRule extends Named {
  /** Whole numbers only. */
  integer?: boolean;
  /** Smallest value allowed. */
  min?: number;
  /** Largest value allowed. */
  max?: number;
  /** Greater than 0. */
  positive?: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Reads a decimal number (`1e6` and `1_000_000` too) and checks it against the rule.
 * `readNumber` alone checks only that it is a number of the right kind.
 */
export function parseNumber(raw: string | number, rule: NumberRule = {}): number {
  const value = readNumber(raw, rule);
  const reason = numberRange(value, rule);
  if (reason) throw new ParseError(reason, rule.flag);
  return value;
}

/** The text as a number (whole if the rule says so), without the range checks. */
export function readNumber(raw: string | number, rule: NumberRule = {}): number {
  const text = typeof raw === 'number' ? String(raw) : raw.trim().replace(/(\d)_(?=\d)/g, '$1');
  const value = typeof raw === 'number' ? raw : NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw new ParseError(`expected ${rule.integer ? 'a whole number' : 'a number'}, got "${raw}"`, rule.flag);
  }
  return value;
}

/** Why a number breaks the rule's range, or undefined when it does not. */
export function numberRange(value: number, rule: NumberRule): string | undefined {
  if (rule.positive && !(value > 0)) return `must be > 0, got ${value}`;
  if (rule.min !== undefined && value < rule.min) return `must be ≥ ${rule.min}, got ${value}`;
  if (rule.max !== undefined && value > rule.max) return `must be ≤ ${rule.max}, got ${value}`;
  return undefined;
}

/** Milliseconds written the way durations are given: 500ms, 3s, 1m30s, 4d. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000 || ms % 1000 !== 0) return `${ms}ms`;
  let rest = ms / 1000;
  const out: string[] = [];
  for (const [unit, seconds] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (rest >= seconds) {
      out.push(`${Math.floor(rest / seconds)}${unit}`);
      rest %= seconds;
    }
  }
  if (rest > 0) out.push(`${rest}s`);
  return out.join('');
}
