import { type Command, Option } from 'commander';
import { type ConfigOverrides, parseNumber, type ServiceConfig } from '../config/config.js';

/** Flags of admission control, the breaker, the autoscaler and the rate limit (the admin token is env-only). */
export interface ResilienceFlags {
  admissionControl?: boolean;
  syncDeadline?: string;
  breaker?: boolean;
  breakerThreshold?: string;
  breakerHalfOpen?: string;
  breakerTimeout?: string;
  autoscale?: boolean;
  minWorkers?: string;
  maxWorkers?: string;
  targetDrain?: string;
  rateLimit?: string;
  rateLimitBurst?: string;
}

/**
 * Adds the flags; each names its env var and default. On/off switches come in
 * pairs (--admission-control / --no-admission-control) so that an unset flag
 * leaves the environment's choice alone; the pair's redundant half is hidden.
 */
export function addResilienceFlags(command: Command): Command {
  return command
    .addOption(new Option('--admission-control').hideHelp())
    .addOption(
      new Option(
        '--no-admission-control',
        'let every sync request wait its turn, to reproduce the study’s collapse [env FLASHSALE_ADMISSION_CONTROL=off]',
      ),
    )
    .addOption(
      new Option(
        '--sync-deadline <ms>',
        'how long sync clients wait, simulated ms; X-Deadline-Ms overrides it [env FLASHSALE_SYNC_DEADLINE_MS]',
      ).default(undefined, '10000'),
    )
    .addOption(new Option('--breaker').hideHelp())
    .addOption(new Option('--no-breaker', 'no circuit breaker around the payment gateway [env FLASHSALE_BREAKER=off]'))
    .addOption(
      new Option(
        '--breaker-threshold <n>',
        'consecutive failed payments that open the breaker [env FLASHSALE_BREAKER_THRESHOLD]',
      ).default(undefined, '5'),
    )
    .addOption(
      new Option(
        '--breaker-half-open <ms>',
        'simulated ms open before a probe payment [env FLASHSALE_BREAKER_HALF_OPEN_MS]',
      ).default(undefined, '5000'),
    )
    .addOption(
      new Option(
        '--breaker-timeout <ms>',
        'a payment slower than this (beyond its wait in line) counts as failed; 0 = never [env FLASHSALE_BREAKER_TIMEOUT_MS]',
      ).default(undefined, '10000'),
    )
    .addOption(
      new Option('--autoscale', 'set the worker count from arrival rate and backlog [env FLASHSALE_AUTOSCALE=on]'),
    )
    .addOption(new Option('--no-autoscale').hideHelp())
    .addOption(
      new Option('--min-workers <n>', 'autoscaler: fewest workers [env FLASHSALE_MIN_WORKERS]').default(undefined, '1'),
    )
    .addOption(
      new Option(
        '--max-workers <n>',
        'autoscaler: most workers, capped by the payment slots [env FLASHSALE_MAX_WORKERS]',
      ).default(undefined, '200'),
    )
    .addOption(
      new Option(
        '--target-drain <ms>',
        'autoscaler: simulated ms to work off a backlog in [env FLASHSALE_TARGET_DRAIN_MS]',
      ).default(undefined, '30000'),
    )
    .addOption(
      new Option(
        '--rate-limit <per-s>',
        'orders per simulated second per client (address or x-api-key); 0 = off [env FLASHSALE_RATE_LIMIT]',
      ).default(undefined, '0'),
    )
    .addOption(
      new Option('--rate-limit-burst <n>', 'orders a client may send at once [env FLASHSALE_RATE_LIMIT_BURST]').default(
        undefined,
        '20',
      ),
    );
}

export function resilienceOverrides(
  flags: ResilienceFlags,
): Pick<ConfigOverrides, 'admission' | 'breaker' | 'autoscale' | 'rateLimit'> {
  const ms = { min: 0 };
  return {
    admission: {
      enabled: flags.admissionControl,
      deadlineMs: parseNumber('--sync-deadline', flags.syncDeadline, { positive: true }),
    },
    breaker: {
      enabled: flags.breaker,
      threshold: parseNumber('--breaker-threshold', flags.breakerThreshold, { integer: true, min: 1 }),
      halfOpenAfterMs: parseNumber('--breaker-half-open', flags.breakerHalfOpen, { positive: true }),
      timeoutMs: parseNumber('--breaker-timeout', flags.breakerTimeout, ms),
    },
    autoscale: {
      enabled: flags.autoscale,
      minWorkers: parseNumber('--min-workers', flags.minWorkers, { integer: true, min: 0 }),
      maxWorkers: parseNumber('--max-workers', flags.maxWorkers, { integer: true, min: 1 }),
      targetDrainMs: parseNumber('--target-drain', flags.targetDrain, { positive: true }),
    },
    rateLimit: {
      perSecond: parseNumber('--rate-limit', flags.rateLimit, ms),
      burst: parseNumber('--rate-limit-burst', flags.rateLimitBurst, { integer: true, min: 1 }),
    },
  };
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
