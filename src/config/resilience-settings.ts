/**
 * Settings of the resilience features (admission control, circuit breaker,
 * autoscaler, admin API, rate limit): their defaults, environment variables and
 * validation. Part of the one config module; config.ts merges them.
 */
import { ConfigError } from '../core/errors.js';

export interface AdmissionSettings {
  /** Answer /orders/sync with 503 at once when it could not be paid before the client's deadline. Default true (env FLASHSALE_ADMISSION_CONTROL). */
  enabled: boolean;
  /** How long a sync client waits, simulated ms; the X-Deadline-Ms header overrides it. Default 10000, the study's client timeout (env FLASHSALE_SYNC_DEADLINE_MS). */
  deadlineMs: number;
}

export interface BreakerSettings {
  /** Circuit breaker around the payment gateway. Default true (env FLASHSALE_BREAKER). */
  enabled: boolean;
  /** Consecutive failed or timed-out payments that open it. Default 5 (env FLASHSALE_BREAKER_THRESHOLD). */
  threshold: number;
  /** Simulated ms it stays open before one probe payment is let through. Default 5000 (env FLASHSALE_BREAKER_HALF_OPEN_MS). */
  halfOpenAfterMs: number;
  /** A payment slower than this beyond its wait in the provider's line counts as failed, simulated ms; 0 = never. Default 10000 (env FLASHSALE_BREAKER_TIMEOUT_MS). */
  timeoutMs: number;
}

export interface AutoscaleSettings {
  /** Let the autoscaler set the worker count. Default false: the study's fixed pool (env FLASHSALE_AUTOSCALE). */
  enabled: boolean;
  /** Fewest workers. Default 1 (env FLASHSALE_MIN_WORKERS). */
  minWorkers: number;
  /** Most workers; the gateway's slot count caps it further. Default 200 (env FLASHSALE_MAX_WORKERS). */
  maxWorkers: number;
  /** Simulated ms in which a backlog should be worked off. Default 30000 (env FLASHSALE_TARGET_DRAIN_MS). */
  targetDrainMs: number;
  /** Simulated ms between decisions. Default 1000 (env FLASHSALE_AUTOSCALE_INTERVAL_MS). */
  intervalMs: number;
  /** Simulated ms over which the arrival rate is measured. Default 10000 (env FLASHSALE_AUTOSCALE_WINDOW_MS). */
  windowMs: number;
  /** Simulated ms after a change before scaling up again. Default 3000 (env FLASHSALE_SCALE_UP_COOLDOWN_MS). */
  scaleUpCooldownMs: number;
  /** Simulated ms after a change before scaling down. Default 30000 (env FLASHSALE_SCALE_DOWN_COOLDOWN_MS). */
  scaleDownCooldownMs: number;
}

export interface RateLimitSettings {
  /** Orders per simulated second one client may create; 0 = no limit. Default 0 (env FLASHSALE_RATE_LIMIT). */
  perSecond: number;
  /** Orders a client may create at once before the rate applies. Default 20 (env FLASHSALE_RATE_LIMIT_BURST). */
  burst: number;
  /** Header naming the client (an API key); without it the client address is the key. Default x-api-key (env FLASHSALE_RATE_LIMIT_HEADER). */
  keyHeader: string;
}

export interface ResilienceSettings {
  admission: AdmissionSettings;
  breaker: BreakerSettings;
  autoscale: AutoscaleSettings;
  rateLimit: RateLimitSettings;
  /** Bearer token of the admin API; unset = the admin API is disabled (env FLASHSALE_ADMIN_TOKEN). */
  adminToken?: string;
}

export const RESILIENCE_DEFAULTS: ResilienceSettings = {
  admission: { enabled: true, deadlineMs: 10_000 },
  breaker: { enabled: true, threshold: 5, halfOpenAfterMs: 5000, timeoutMs: 10_000 },
  autoscale: {
    enabled: false,
    minWorkers: 1,
    maxWorkers: 200,
    targetDrainMs: 30_000,
    intervalMs: 1000,
    windowMs: 10_000,
    scaleUpCooldownMs: 3000,
    scaleDownCooldownMs: 30_000,
  },
  rateLimit: { perSecond: 0, burst: 20, keyHeader: 'x-api-key' },
};

/** Shortest admin token accepted: a guessable token would make the admin API open. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

type Overrides = {
  [K in keyof ResilienceSettings]?: ResilienceSettings[K] extends object
    ? Partial<ResilienceSettings[K]>
    : ResilienceSettings[K];
};

/** Parses on/off, true/false, yes/no, 1/0; `name` is how the user spelled the setting. */
export function parseSwitch(name: string, raw: string | boolean | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'boolean') return raw;
  if (/^(1|true|yes|on)$/i.test(raw.trim())) return true;
  if (/^(0|false|no|off)$/i.test(raw.trim())) return false;
  throw new ConfigError(name, `must be on or off (true/false, 1/0), got "${raw}"`);
}

function num(name: string, raw: string | undefined, rule: { integer?: boolean; min?: number } = {}) {
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `must be ${rule.integer ? 'an integer' : 'a number'}, got "${raw}"`);
  }
  if (rule.min !== undefined && value < rule.min) throw new ConfigError(name, `must be ≥ ${rule.min}, got ${value}`);
  return value;
}

const COUNT = { integer: true, min: 0 };
const MS = { min: 0 };

/** The FLASHSALE_* variables of the resilience features. */
export function resilienceFromEnv(env: NodeJS.ProcessEnv): Overrides {
  return prune({
    admission: prune({
      enabled: parseSwitch('FLASHSALE_ADMISSION_CONTROL', env.FLASHSALE_ADMISSION_CONTROL),
      deadlineMs: num('FLASHSALE_SYNC_DEADLINE_MS', env.FLASHSALE_SYNC_DEADLINE_MS, MS),
    }),
    breaker: prune({
      enabled: parseSwitch('FLASHSALE_BREAKER', env.FLASHSALE_BREAKER),
      threshold: num('FLASHSALE_BREAKER_THRESHOLD', env.FLASHSALE_BREAKER_THRESHOLD, COUNT),
      halfOpenAfterMs: num('FLASHSALE_BREAKER_HALF_OPEN_MS', env.FLASHSALE_BREAKER_HALF_OPEN_MS, MS),
      timeoutMs: num('FLASHSALE_BREAKER_TIMEOUT_MS', env.FLASHSALE_BREAKER_TIMEOUT_MS, MS),
    }),
    autoscale: prune({
      enabled: parseSwitch('FLASHSALE_AUTOSCALE', env.FLASHSALE_AUTOSCALE),
      minWorkers: num('FLASHSALE_MIN_WORKERS', env.FLASHSALE_MIN_WORKERS, COUNT),
      maxWorkers: num('FLASHSALE_MAX_WORKERS', env.FLASHSALE_MAX_WORKERS, COUNT),
      targetDrainMs: num('FLASHSALE_TARGET_DRAIN_MS', env.FLASHSALE_TARGET_DRAIN_MS, MS),
      intervalMs: num('FLASHSALE_AUTOSCALE_INTERVAL_MS', env.FLASHSALE_AUTOSCALE_INTERVAL_MS, MS),
      windowMs: num('FLASHSALE_AUTOSCALE_WINDOW_MS', env.FLASHSALE_AUTOSCALE_WINDOW_MS, MS),
      scaleUpCooldownMs: num('FLASHSALE_SCALE_UP_COOLDOWN_MS', env.FLASHSALE_SCALE_UP_COOLDOWN_MS, MS),
      scaleDownCooldownMs: num('FLASHSALE_SCALE_DOWN_COOLDOWN_MS', env.FLASHSALE_SCALE_DOWN_COOLDOWN_MS, MS),
    }),
    rateLimit: prune({
      perSecond: num('FLASHSALE_RATE_LIMIT', env.FLASHSALE_RATE_LIMIT, MS),
      burst: num('FLASHSALE_RATE_LIMIT_BURST', env.FLASHSALE_RATE_LIMIT_BURST, { integer: true, min: 1 }),
      keyHeader: env.FLASHSALE_RATE_LIMIT_HEADER || undefined,
    }),
    adminToken: env.FLASHSALE_ADMIN_TOKEN || undefined,
  });
}

/** Checks the merged settings; the ConfigError names the bad one. */
export function validateResilience(config: ResilienceSettings): void {
  const check = (name: string, value: number, rule: { integer?: boolean; min?: number; positive?: boolean }) => {
    if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
      throw new ConfigError(name, `must be ${rule.integer ? 'an integer' : 'a number'}, got ${value}`);
    }
    if (rule.positive && value <= 0) throw new ConfigError(name, `must be greater than 0, got ${value}`);
    if (rule.min !== undefined && value < rule.min) throw new ConfigError(name, `must be ≥ ${rule.min}, got ${value}`);
  };
  check('admission.deadlineMs', config.admission.deadlineMs, { positive: true });
  check('breaker.threshold', config.breaker.threshold, { integer: true, min: 1 });
  check('breaker.halfOpenAfterMs', config.breaker.halfOpenAfterMs, { positive: true });
  check('breaker.timeoutMs', config.breaker.timeoutMs, MS);
  const a = config.autoscale;
  check('autoscale.minWorkers', a.minWorkers, COUNT);
  check('autoscale.maxWorkers', a.maxWorkers, { integer: true, min: 1 });
  if (a.maxWorkers < a.minWorkers) {
    throw new ConfigError(
      'autoscale.maxWorkers',
      `must be ≥ autoscale.minWorkers (${a.minWorkers}), got ${a.maxWorkers}`,
    );
  }
  check('autoscale.targetDrainMs', a.targetDrainMs, { positive: true });
  check('autoscale.intervalMs', a.intervalMs, { positive: true });
  check('autoscale.windowMs', a.windowMs, { positive: true });
  check('autoscale.scaleUpCooldownMs', a.scaleUpCooldownMs, MS);
  check('autoscale.scaleDownCooldownMs', a.scaleDownCooldownMs, MS);
  check('rateLimit.perSecond', config.rateLimit.perSecond, MS);
  check('rateLimit.burst', config.rateLimit.burst, { integer: true, min: 1 });
  if (!/^[a-z0-9-]+$/i.test(config.rateLimit.keyHeader)) {
    throw new ConfigError('rateLimit.keyHeader', `must be an HTTP header name, got "${config.rateLimit.keyHeader}"`);
  }
  if (config.adminToken !== undefined && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new ConfigError(
      'FLASHSALE_ADMIN_TOKEN',
      `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (try: openssl rand -hex 24)`,
    );
  }
}

function prune<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
