/**
 * What kind of value a setting holds: how its text is read (the shared
 * parsers), which values it allows, and how it is shown in --help and the
 * README. Reading checks only that the text is a value of the kind; `check`
 * then says whether that value is allowed, for values from any layer.
 */
import { formatDuration, type NumberRule, numberRange, parseBoolean, parseDuration, readNumber } from './parse.js';

export interface Rule<T> {
  /** The flag's value placeholder, e.g. `duration` in `--payment-latency <duration>`. */
  readonly placeholder: string;
  /** Reads the text of a flag or variable; throws a ParseError when it is not a value of this kind. */
  read(text: string): T;
  /** Why a value is not allowed, or undefined. */
  check(value: unknown): string | undefined;
  /** The value as a user would write it. */
  show(value: T): string;
  /** An on/off switch: its flag takes no value. */
  readonly switch?: boolean;
  /** An address or a secret: usually given by its variable, so errors name the variable. */
  readonly namedByVariable?: boolean;
}

/** A duration in ms (`3s`, `500ms`, `1h30m`, bare = ms); never negative, > 0 when `positive`. */
export function duration(rule: { positive?: boolean } = {}): Rule<number> {
  return {
    placeholder: 'duration',
    read: (text) => parseDuration(text),
    check: (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a duration, got ${String(value)}`;
      return numberRange(value, { min: 0, ...rule });
    },
    show: formatDuration,
  };
}

/** A whole number. */
export function integer(rule: Omit<NumberRule, 'integer'> = {}): Rule<number> {
  return numeric('n', { ...rule, integer: true });
}

/** A decimal number. */
export function decimal(rule: Omit<NumberRule, 'integer'> = {}, placeholder = 'x'): Rule<number> {
  return numeric(placeholder, rule);
}

function numeric(placeholder: string, rule: NumberRule): Rule<number> {
  return {
    placeholder,
    read: (text) => readNumber(text, rule),
    check: (value) => {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number, got ${String(value)}`;
      if (rule.integer && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
      return numberRange(value, rule);
    },
    show: String,
  };
}

/** On or off: 1/0, true/false, yes/no, on/off. */
export function onOff(): Rule<boolean> {
  return {
    placeholder: 'on|off',
    switch: true,
    read: (text) => parseBoolean(text),
    check: (value) => (typeof value === 'boolean' ? undefined : `must be true or false, got ${String(value)}`),
    show: (value) => (value ? 'on' : 'off'),
  };
}

/** One of a few words. */
export function oneOf<const T extends string>(values: readonly T[], placeholder = values.join('|')): Rule<T> {
  const allowed = values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
  return {
    placeholder,
    read: (text) => text.trim() as T,
    check: (value) =>
      (values as readonly unknown[]).includes(value) ? undefined : `must be ${allowed}, got "${value}"`,
    show: String,
  };
}

/** Free text; `pattern` and `expected` say what it must look like. */
export function text(rule: { placeholder?: string; pattern?: RegExp; expected?: string } = {}): Rule<string> {
  return {
    placeholder: rule.placeholder ?? 'text',
    read: (raw) => raw,
    check: (value) => {
      if (typeof value !== 'string' || value === '') return `must not be empty`;
      if (rule.pattern && !rule.pattern.test(value)) return `must be ${rule.expected ?? rule.pattern}, got "${value}"`;
      return undefined;
    },
    show: String,
  };
}

/** A URL whose scheme is one of `schemes` (the first is named in the message). */
export function url(schemes: readonly string[], shown = schemes.map((s) => `${s}://`).join(' or ')): Rule<string> {
  const pattern = new RegExp(`^(${schemes.join('|')})://`);
  return {
    placeholder: 'url',
    namedByVariable: true,
    read: (raw) => raw.trim(),
    check: (value) =>
      typeof value === 'string' && pattern.test(value) ? undefined : `must start with ${shown}, got "${value}"`,
    show: String,
  };
}

/** A secret of at least `minLength` characters; never shown. */
export function secret(minLength: number): Rule<string> {
  return {
    placeholder: 'token',
    namedByVariable: true,
    read: (raw) => raw,
    check: (value) =>
      typeof value === 'string' && value.length >= minLength
        ? undefined
        : `must be at least ${minLength} characters (try: openssl rand -hex 24)`,
    show: () => '(secret)',
  };
}
