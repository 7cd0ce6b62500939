/**
 * The one table of settings, and what is read from it: the names a setting
 * goes by, reading and checking one value, and the defaults of each role.
 * The table itself is split by group in settings/*.ts.
 */
import { ConfigError } from '../core/errors.js';
import { ParseError } from './parse.js';
import type { Role } from './service-config.js';
import type { Setting, SettingPath } from './setting.js';
import { ADVANCED_SETTINGS } from './settings/advanced.js';
import { CATALOG_SETTINGS } from './settings/catalog.js';
import { PROCESSING_SETTINGS } from './settings/processing.js';
import { RESILIENCE_SETTINGS } from './settings/resilience.js';
import { SERVER_SETTINGS } from './settings/server.js';

export const SETTINGS = [
  ...SERVER_SETTINGS,
  ...PROCESSING_SETTINGS,
  ...CATALOG_SETTINGS,
  ...RESILIENCE_SETTINGS,
  ...ADVANCED_SETTINGS,
];

type Missing = Exclude<SettingPath, (typeof SETTINGS)[number]['path']>;
/** Fails to compile when a field of ServiceConfig has no setting (the type names the missing path). */
export const EVERY_FIELD_HAS_A_SETTING: [Missing] extends [never] ? true : Missing = true;

const BY_PATH = new Map<string, Setting>(SETTINGS.map((s) => [s.path, s]));

/** The setting at a config path. */
export function settingAt(path: SettingPath): Setting {
  const found = BY_PATH.get(path);
  if (!found) throw new Error(`no setting at ${path}`);
  return found;
}

/** The settings a role uses, in table order. */
export function settingsOf(role: Role): Setting[] {
  return SETTINGS.filter((s) => s.roles.includes(role));
}

/** The default of a setting in a role. */
export function defaultOf(s: Setting, role: Role): unknown {
  return s.roleDefaults?.[role] ?? s.default;
}

/**
 * A bad setting. The message names it as the user gave it (flag, variable or
 * config path), then its other names. `setting` is the variable or flag whose
 * text could not be read at all; for a value its rule refuses, the config path
 * (for an address or a secret, its variable); a rule between settings picks.
 */
export class SettingError extends ConfigError {
  constructor(setting: string, shownAs: string, reason: string, others: string[]) {
    super(setting, reason);
    this.name = 'SettingError';
    this.message = `${shownAs}: ${reason}${others.length ? ` (${others.join(', ')})` : ''}`;
  }
}

/** The error for one setting; `shownAs` is the name the value came by (flag, variable or config path). */
export function settingError(s: Setting, reason: string, options: { setting?: string; shownAs?: string } = {}) {
  const shownAs = options.shownAs ?? options.setting ?? s.path;
  const others = [
    ...(s.flag && !shownAs.startsWith(s.flag) ? [`flag ${s.flag}`] : []),
    ...(shownAs !== s.env ? [`env ${s.env}`] : []),
  ];
  return new SettingError(options.setting ?? s.path, shownAs, reason, others);
}

/** Where a value that breaks its rule is named: an address or a secret by its variable, the rest by its path. */
function ruleName(s: Setting): string {
  return s.rule.namedByVariable ? s.env : s.path;
}

/**
 * Reads one value from the text of a flag or variable (`source` names it) and
 * checks it. Text that is not a value of the kind is named by its source;
 * a value the rule does not allow by its path (or variable), shown as given.
 */
export function readSetting(s: Setting, raw: string | boolean, source: string): unknown {
  let value: unknown;
  try {
    value = typeof raw === 'boolean' ? raw : s.rule.read(raw);
  } catch (error) {
    if (error instanceof ParseError) throw settingError(s, error.message, { setting: source });
    throw error;
  }
  checkSetting(s, value, source);
  return value;
}

/** Throws when the value breaks the setting's rule. */
export function checkSetting(s: Setting, value: unknown, shownAs = ruleName(s)): void {
  const reason = s.rule.check(value);
  if (reason) throw settingError(s, reason, { setting: ruleName(s), shownAs });
}

/** The value at a dotted path of a config-like object. */
export function getPath(target: object, path: string): unknown {
  let node: unknown = target;
  for (const key of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[key];
  return node;
}

/** Sets the value at a dotted path, creating the groups on the way. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** Every default of a role as a config-shaped object (unset settings are absent). */
export function defaultsOf(role: Role): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const value = defaultOf(s, role);
    if (value !== undefined) setPath(out, s.path, value);
  }
  return out;
}
