/**
 * The commander options of a role, derived from the settings table, and the
 * overrides read back from them. Each option's help names its variable and
 * its default in that role; options are grouped as in the README.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigOverrides } from './config.js';
import { ParseError } from './parse.js';
import type { Role } from './service-config.js';
import { GROUPS, type Setting } from './setting.js';
import { defaultOf, readSetting, SETTINGS, setPath, settingsOf } from './settings.js';

/** What commander hands back: each flag's text (a switch's true/false) under its camel-cased name. */
export type SettingFlags = Record<string, string | boolean | undefined>;

/** The option's one line of help: what it does, its variable and its default in the role. */
export function helpLine(s: Setting, role: Role): string {
  const value = defaultOf(s, role);
  const shown = value === undefined ? undefined : s.rule.show(value as never);
  const off = s.rule.switch && value === true ? `; --no-${s.flag!.slice(2)} turns it off` : '';
  return `${s.doc} (env ${s.env}${shown === undefined ? '' : `, default ${shown}`}${off})`;
}

/**
 * Adds an option for every setting of the role that has a flag. No option has
 * a commander default: an unset flag must leave the environment's value alone.
 * A switch comes as a pair (--breaker / --no-breaker); the second is hidden.
 */
export function addSettingOptions(command: Command, role: Role): Command {
  for (const s of settingsOf(role)) {
    if (!s.flag) continue;
    const group = `${GROUPS[s.group]}:`;
    if (s.rule.switch) {
      command.addOption(new Option(s.flag, helpLine(s, role)).helpGroup(group));
      command.addOption(new Option(`--no-${s.flag.slice(2)}`).hideHelp().helpGroup(group));
    } else {
      command.addOption(new Option(`${s.flag} <${s.rule.placeholder}>`, helpLine(s, role)).helpGroup(group));
    }
  }
  return command;
}

/** The camel-cased name commander stores a flag's value under. */
function attributeName(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Reads the given flags; a value that cannot be read or is not allowed throws a SettingError naming the flag. */
export function overridesFromFlags(flags: SettingFlags): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    if (!s.flag) continue;
    const raw = flags[attributeName(s.flag)];
    if (raw === undefined) continue;
    const shownAs = s.rule.switch && raw === false ? `--no-${s.flag.slice(2)}` : s.flag;
    setPath(out, s.path, readSetting(s, raw, shownAs));
  }
  return out as ConfigOverrides;
}

/** A commander argParser from one of the shared parsers: commander then names the option in its error. */
export function optionParser<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      if (error instanceof ParseError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}
