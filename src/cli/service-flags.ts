import type { Command } from 'commander';
import { configFromEnv, resolveRoleConfig } from '../config/config.js';
import { addSettingOptions, overridesFromFlags, type SettingFlags } from '../config/flags.js';
import type { Role, ServiceConfig } from '../config/service-config.js';

export { overridesFromFlags };

/** The flags of a service command, as commander hands them back. */
export type ServiceFlags = SettingFlags;

/** Adds the flags of a role (serve by default), each from the settings table, naming its variable and default. */
export function addServiceFlags(command: Command, role: Role = 'serve'): Command {
  return addSettingOptions(command, role);
}

/** The role's defaults < environment < flags; throws a ConfigError naming the bad setting. */
export function configFromCli(
  flags: ServiceFlags,
  env: NodeJS.ProcessEnv = process.env,
  role: Role = 'serve',
): ServiceConfig {
  return resolveRoleConfig(role, configFromEnv(env), overridesFromFlags(flags));
}
