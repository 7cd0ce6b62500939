import { Command } from 'commander';
import { type ConfigOverrides, configFromEnv, resolveConfig, type ServiceConfig } from '../config/config.js';
import { ConfigError } from '../core/errors.js';
import { installShutdown } from './serve.js';
import { addServiceFlags, overridesFromFlags, type ServiceFlags } from './service-flags.js';

/**
 * Defaults of the role < environment < flags. Exits with status 2 and a
 * message naming the setting when one is invalid.
 */
export function roleConfig(
  roleDefaults: ConfigOverrides,
  flags: ServiceFlags,
  forced: ConfigOverrides = {},
): ServiceConfig {
  try {
    return resolveConfig(roleDefaults, configFromEnv(process.env), overridesFromFlags(flags), forced);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`flashsale: invalid setting ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
}

/** A command that starts one long-running process of the given role and stops it gracefully on a signal. */
export function processCommand(
  name: string,
  description: string,
  examples: string,
  roleDefaults: ConfigOverrides,
  start: (config: ServiceConfig) => Promise<{ url: string; close(): Promise<void> }>,
  describe: (config: ServiceConfig) => string[],
  /** Settings the role does not use, fixed so that they cannot make its config invalid. */
  forced: ConfigOverrides = {},
): Command {
  const command = new Command(name).description(description).addHelpText('after', `\nExamples:\n${examples}`);
  addServiceFlags(command).action(async (flags: ServiceFlags) => {
    const config = roleConfig(roleDefaults, flags, forced);
    const running = await start(config);
    const scale = config.timeScale === 1 ? '' : `(time scale ${config.timeScale}) `;
    const lines = [`flashsale ${name} ${scale}listening on ${running.url}`, ...describe(config)];
    process.stderr.write(`${lines.map((line, i) => (i === 0 ? line : `  ${line}`)).join('\n')}\n`);
    installShutdown(running);
  });
  return command;
}

/** Where the store, bus and gateway of a process are, for its start-up banner. */
export function backendLines(config: ServiceConfig): string[] {
  const store =
    config.store === 'postgres' ? `postgres ${redact(config.databaseUrl ?? '')}` : `sqlite ${config.dbPath}`;
  const bus =
    config.bus === 'sqs'
      ? `sns/sqs ${config.queue.topic} → ${config.queue.name}${config.aws.endpoint ? ` at ${config.aws.endpoint}` : ''}`
      : `embedded ${config.queue.topic} → ${config.queue.name}`;
  return [`store      ${store}`, `bus        ${bus}`];
}

/** A connection string without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
