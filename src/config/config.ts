/**
 * The one config module: defaults, environment and overrides merged and
 * validated, all derived from the settings table (settings.ts). A bad value
 * stops the start with a ConfigError naming the setting by its flag and its
 * environment variable.
 */
import { crossCheck } from './cross-checks.js';
import type { Role, ServiceConfig } from './service-config.js';
import { checkSetting, defaultsOf, getPath, readSetting, SETTINGS, setPath } from './settings.js';

export type { AutoscaleSettings, BreakerSettings, ResilienceSettings } from './resilience-settings.js';
export type { Role, ServiceConfig } from './service-config.js';

/** The defaults of `flashsale serve`; other roles differ in port and ledger file (see roleDefaults). */
export const DEFAULT_CONFIG: ServiceConfig = defaultsOf('serve') as unknown as ServiceConfig;

/** A layer of settings: any top-level field, and any part of a group. */
export type ConfigOverrides = {
  [K in keyof ServiceConfig]?: ServiceConfig[K] extends object ? Partial<ServiceConfig[K]> : ServiceConfig[K];
};

/** Reads every setting's variable from an environment; unset and empty variables are left out. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const name = [s.env, ...(s.envAliases ?? [])].find((n) => env[n] !== undefined && env[n] !== '');
    if (name) setPath(out, s.path, readSetting(s, env[name]!, name));
  }
  return out as ConfigOverrides;
}

/** The defaults of a role where they differ from serve's (a worker's port, a gateway's ledger file). */
export function roleDefaults(role: Role): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const value = s.roleDefaults?.[role];
    if (value !== undefined) setPath(out, s.path, value);
  }
  return out as ConfigOverrides;
}

/** Merges layers over the defaults (later layers win) and validates the result. */
export function resolveConfig(...layers: ConfigOverrides[]): ServiceConfig {
  const config: ServiceConfig = structuredClone(DEFAULT_CONFIG);
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer) as Array<[keyof ServiceConfig, unknown]>) {
      if (value === undefined) continue;
      const current = config[key];
      if (current !== null && typeof current === 'object' && typeof value === 'object' && value !== null) {
        for (const [field, v] of Object.entries(value))
          if (v !== undefined) (current as Record<string, unknown>)[field] = v;
      } else {
        (config as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  validate(config);
  return config;
}

/** A role's config: its defaults < the given layers (environment, flags). */
export function resolveRoleConfig(role: Role, ...layers: ConfigOverrides[]): ServiceConfig {
  return resolveConfig(roleDefaults(role), ...layers);
}

/**
 * The serverless function's config, from its environment alone. In a Lambda
 * container only /tmp is writable, so an unset FLASHSALE_DB means /tmp/flashsale.db.
 */
export function functionConfig(env: NodeJS.ProcessEnv): ServiceConfig {
  const inFunction = env.LAMBDA_TASK_ROOT !== undefined && !env.FLASHSALE_DB;
  return resolveRoleConfig('function', inFunction ? { dbPath: '/tmp/flashsale.db' } : {}, configFromEnv(env));
}

/** Each value against its setting's rule (an optional one may be unset), then the rules between settings. */
function validate(config: ServiceConfig): void {
  for (const s of SETTINGS) {
    const value = getPath(config, s.path);
    if (value === undefined && s.default === undefined) continue;
    checkSetting(s, value);
  }
  crossCheck(config);
}
