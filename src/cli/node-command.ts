import { Command } from 'commander';
import { type ConfigOverrides, configFromEnv, resolveRoleConfig } from '../config/config.js';
import type { Role, ServiceConfig } from '../config/service-config.js';
import { ConfigError } from '../core/errors.js';
import { addServiceFlags, overridesFromFlags, type ServiceFlags } from './service-flags.js';

/**
 * The role's defaults < environment < flags < `forced`. Exits with status 2
 * and a message naming the setting (flag and variable) when one is invalid.
 */
export function roleConfig(role: Role, flags: ServiceFlags, forced: ConfigOverrides = {}): ServiceConfig {
  try {
    return resolveRoleConfig(role, configFromEnv(process.env), overridesFromFlags(flags), forced);
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
  role: Exclude<Role, 'serve' | 'function'>,
  description: string,
  examples: string,
  start: (config: ServiceConfig) => Promise<{ url: string; close(): Promise<void> }>,
  describe: (config: ServiceConfig) => string[],
  /** Settings the role does not use, fixed so that they cannot make its config invalid. */
  forced: ConfigOverrides = {},
): Command {
  const command = new Command(role).description(description).addHelpText('after', `\nExamples:\n${examples}`);
  addServiceFlags(command, role).action(async (flags: ServiceFlags) => {
    const config = roleConfig(role, flags, forced);
    const running = await start(config);
    const scale = config.timeScale === 1 ? '' : `(time scale ${config.timeScale}) `;
    const lines = [`flashsale ${role} ${scale}listening on ${running.url}`, ...describe(config)];
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

/** One line for a start-up banner: what protects this process. */
export function describeResilience(config: ServiceConfig): string {
  const { admission, breaker, autoscale, rateLimit } = config;
  return [
    admission.enabled ? `admission on (${admission.deadlineMs / 1000} s deadline)` : 'admission OFF',
    breaker.enabled ? `breaker on (${breaker.threshold} failures)` : 'breaker OFF',
    autoscale.enabled ? `autoscaler ${autoscale.minWorkers}–${autoscale.maxWorkers} workers` : 'autoscaler off',
    config.adminToken ? 'admin API on' : 'admin API off',
    rateLimit.perSecond > 0 ? `rate limit ${rateLimit.perSecond}/s per client` : 'no rate limit',
  ].join(', ');
}

/** A connection string without its password, for logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}

/** SIGTERM and SIGINT stop the process gracefully; a second signal exits at once. */
export function installShutdown(service: { close(): Promise<void> }): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`flashsale: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`flashsale: ${signal} received, finishing in-flight work…\n`);
    service.close().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`flashsale: shutdown failed: ${error}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
