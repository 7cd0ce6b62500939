import { ConfigError } from '../core/errors.js';
import {
  RESILIENCE_DEFAULTS,
  type ResilienceSettings,
  resilienceFromEnv,
  validateResilience,
} from './resilience-settings.js';

/**
 * Everything a flashsale process can be configured with. Simulated durations are in simulated ms.
 * Admission control, breaker, autoscaler, rate limit and admin token: see resilience-settings.ts.
 */
export interface ServiceConfig extends ResilienceSettings {
  /** Interface to listen on. Default 0.0.0.0 (env HOST). */
  host: string;
  /** HTTP port; 0 picks a free one. Default 8080 (env PORT). */
  port: number;
  /** SQLite file of the embedded store, bus and ledger. Default ./data/flashsale.db (env FLASHSALE_DB). */
  dbPath: string;
  /** Where orders live: sqlite (the dbPath file) or postgres (databaseUrl). Default sqlite (env FLASHSALE_STORE). */
  store: 'sqlite' | 'postgres';
  /** Message bus: embedded (in the SQLite file) or sqs (AWS SNS + SQS). Default embedded (env FLASHSALE_BUS). */
  bus: 'embedded' | 'sqs';
  /** PostgreSQL connection string, needed by store=postgres. Unset by default (env DATABASE_URL). */
  databaseUrl?: string;
  /** Base URL of a `flashsale gateway` process; unset = an in-process simulated gateway (env FLASHSALE_GATEWAY_URL). */
  gatewayUrl?: string;
  aws: {
    /** SNS and SQS endpoint, for emulators; unset = AWS itself (env AWS_ENDPOINT_URL). */
    endpoint?: string;
    /** Region; unset = the SDK's own resolution (env AWS_REGION or AWS_DEFAULT_REGION). */
    region?: string;
    /** Create the topic, queues and raw-delivery subscription when missing. Default false (env FLASHSALE_PROVISION). */
    provision: boolean;
  };
  /** Multiplier of every simulated duration; 0.01 runs 3 s payments in 30 ms. Default 1 (env FLASHSALE_TIME_SCALE). */
  timeScale: number;
  /** Concurrent workers of the order processor; 0 = accept only. Default 1 (env FLASHSALE_WORKERS). */
  workers: number;
  /** queue: workers poll the queue; push: each message is delivered to the serverless handler, as SNS to a function. Default queue (env FLASHSALE_PROCESSOR). */
  processor: 'queue' | 'push';
  push: {
    /** Handler invocations at once; 0 = unlimited. Default 1000, Lambda's default concurrency (env FLASHSALE_PUSH_CONCURRENCY). */
    concurrency: number;
    /** Retries of a failed invocation. Default 2, as the study's topic (env FLASHSALE_PUSH_RETRIES). */
    retries: number;
    /** Simulated ms before the first retry, doubling after. Default 60000, Lambda's 1 then 2 minutes (env FLASHSALE_PUSH_RETRY_DELAY_MS). */
    retryDelayMs: number;
    /** Keep a message whose every attempt failed as a dead letter instead of dropping it. Default false (env FLASHSALE_PUSH_FAILURE_DESTINATION). */
    failureDestination: boolean;
  };
  payment: {
    /** Simulated ms per payment. Default 3000 (env FLASHSALE_PAYMENT_LATENCY_MS). */
    latencyMs: number;
    /** Random extra ms per payment, uniform in [0, jitter). Default 0 (env FLASHSALE_PAYMENT_JITTER_MS). */
    jitterMs: number;
    /** Payments the provider carries out at once; 0 = unlimited. Default 1 (env FLASHSALE_PAYMENT_SLOTS). */
    slots: number;
    /** Share of payments declined, 0–1. Default 0 (env FLASHSALE_DECLINE_RATE). */
    declineRate: number;
    /** Share of payments failing with a provider error, 0–1. Default 0 (env FLASHSALE_ERROR_RATE). */
    errorRate: number;
  };
  queue: {
    /** Topic orders are published to. Default order-processing-events. */
    topic: string;
    /** Queue subscribed to the topic. Default order-processing-queue. */
    name: string;
    /** Simulated ms a received message stays hidden. Default 30000 (env FLASHSALE_VISIBILITY_TIMEOUT_MS). */
    visibilityTimeoutMs: number;
    /** Long-poll wait, simulated ms. Default 20000 (env FLASHSALE_WAIT_TIME_MS). */
    waitTimeMs: number;
    /** Message retention, simulated ms. Default 4 days (env FLASHSALE_RETENTION_MS). */
    retentionMs: number;
    /** Deliveries before a message is dead-lettered. Default 5 (env FLASHSALE_MAX_RECEIVE_COUNT). */
    maxReceiveCount: number;
    /** First retry delay after a failed payment, simulated ms, doubling per attempt. Default 1000. */
    retryDelayMs: number;
  };
  notify: {
    /** SMTP server URL (smtp://host:port); unset = notifications are only recorded (env SMTP_URL). */
    smtpUrl?: string;
    /** Sender address. Default "flashsale <orders@flashsale.test>" (env FLASHSALE_NOTIFY_FROM). */
    from: string;
  };
  syncRecovery: {
    /** Simulated ms between heartbeats and between scans for sync orders left by dead processes. Default 10000 (env FLASHSALE_SYNC_SCAN_INTERVAL_MS). */
    scanIntervalMs: number;
  };
  /** Largest request body accepted, bytes. Default 65536 (env FLASHSALE_BODY_LIMIT). */
  bodyLimitBytes: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. Default info (env FLASHSALE_LOG_LEVEL). */
  logLevel: string;
  /** Real ms that shutdown waits for in-flight payments before releasing their messages. Default 10000. */
  shutdownGraceMs: number;
}

export const DEFAULT_CONFIG: ServiceConfig = {
  host: '0.0.0.0',
  port: 8080,
  dbPath: './data/flashsale.db',
  store: 'sqlite',
  bus: 'embedded',
  aws: { provision: false },
  timeScale: 1,
  workers: 1,
  processor: 'queue',
  push: { concurrency: 1000, retries: 2, retryDelayMs: 60_000, failureDestination: false },
  payment: { latencyMs: 3000, jitterMs: 0, slots: 1, declineRate: 0, errorRate: 0 },
  queue: {
    topic: 'order-processing-events',
    name: 'order-processing-queue',
    visibilityTimeoutMs: 30_000,
    waitTimeMs: 20_000,
    retentionMs: 4 * 24 * 3600_000,
    maxReceiveCount: 5,
    retryDelayMs: 1000,
  },
  notify: { from: 'flashsale <orders@flashsale.test>' },
  syncRecovery: { scanIntervalMs: 10_000 },
  bodyLimitBytes: 65_536,
  logLevel: 'info',
  shutdownGraceMs: 10_000,
  ...RESILIENCE_DEFAULTS,
};

export type ConfigOverrides = {
  [K in keyof ServiceConfig]?: ServiceConfig[K] extends object ? Partial<ServiceConfig[K]> : ServiceConfig[K];
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parses a number setting; `name` is how the user spelled it (flag or env var). */
export function parseNumber(
  name: string,
  raw: string | number | undefined,
  rule: { integer?: boolean; min?: number; max?: number; positive?: boolean } = {},
): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  const kind = rule.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `must be ${kind}, got "${raw}"`);
  }
  if (rule.positive && value <= 0) throw new ConfigError(name, `must be greater than 0, got ${value}`);
  if (rule.min !== undefined && value < rule.min) throw new ConfigError(name, `must be ≥ ${rule.min}, got ${value}`);
  if (rule.max !== undefined && value > rule.max) throw new ConfigError(name, `must be ≤ ${rule.max}, got ${value}`);
  return value;
}

const PORT = { integer: true, min: 0, max: 65535 };
const COUNT = { integer: true, min: 0 };
const DURATION = { min: 0 };
const RATE = { min: 0, max: 1 };

/** Reads FLASHSALE_* (and PORT, HOST, SMTP_URL) from an environment. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  return prune({
    host: env.HOST || undefined,
    port: parseNumber('PORT', env.PORT, PORT),
    dbPath: env.FLASHSALE_DB || undefined,
    store: (env.FLASHSALE_STORE || undefined) as ServiceConfig['store'] | undefined,
    bus: (env.FLASHSALE_BUS || undefined) as ServiceConfig['bus'] | undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    gatewayUrl: env.FLASHSALE_GATEWAY_URL || undefined,
    aws: prune({
      endpoint: env.AWS_ENDPOINT_URL || undefined,
      region: env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined,
      provision: parseFlag('FLASHSALE_PROVISION', env.FLASHSALE_PROVISION),
    }),
    timeScale: parseNumber('FLASHSALE_TIME_SCALE', env.FLASHSALE_TIME_SCALE, { positive: true }),
    workers: parseNumber('FLASHSALE_WORKERS', env.FLASHSALE_WORKERS, COUNT),
    processor: (env.FLASHSALE_PROCESSOR || undefined) as ServiceConfig['processor'] | undefined,
    push: prune({
      concurrency: parseNumber('FLASHSALE_PUSH_CONCURRENCY', env.FLASHSALE_PUSH_CONCURRENCY, COUNT),
      retries: parseNumber('FLASHSALE_PUSH_RETRIES', env.FLASHSALE_PUSH_RETRIES, COUNT),
      retryDelayMs: parseNumber('FLASHSALE_PUSH_RETRY_DELAY_MS', env.FLASHSALE_PUSH_RETRY_DELAY_MS, DURATION),
      failureDestination: parseFlag('FLASHSALE_PUSH_FAILURE_DESTINATION', env.FLASHSALE_PUSH_FAILURE_DESTINATION),
    }),
    payment: prune({
      latencyMs: parseNumber('FLASHSALE_PAYMENT_LATENCY_MS', env.FLASHSALE_PAYMENT_LATENCY_MS, DURATION),
      jitterMs: parseNumber('FLASHSALE_PAYMENT_JITTER_MS', env.FLASHSALE_PAYMENT_JITTER_MS, DURATION),
      slots: parseNumber('FLASHSALE_PAYMENT_SLOTS', env.FLASHSALE_PAYMENT_SLOTS, COUNT),
      declineRate: parseNumber('FLASHSALE_DECLINE_RATE', env.FLASHSALE_DECLINE_RATE, RATE),
      errorRate: parseNumber('FLASHSALE_ERROR_RATE', env.FLASHSALE_ERROR_RATE, RATE),
    }),
    queue: prune({
      visibilityTimeoutMs: parseNumber('FLASHSALE_VISIBILITY_TIMEOUT_MS', env.FLASHSALE_VISIBILITY_TIMEOUT_MS, {
        positive: true,
      }),
      waitTimeMs: parseNumber('FLASHSALE_WAIT_TIME_MS', env.FLASHSALE_WAIT_TIME_MS, DURATION),
      retentionMs: parseNumber('FLASHSALE_RETENTION_MS', env.FLASHSALE_RETENTION_MS, { positive: true }),
      maxReceiveCount: parseNumber('FLASHSALE_MAX_RECEIVE_COUNT', env.FLASHSALE_MAX_RECEIVE_COUNT, {
        integer: true,
        min: 1,
      }),
    }),
    notify: prune({ smtpUrl: env.SMTP_URL || undefined, from: env.FLASHSALE_NOTIFY_FROM || undefined }),
    syncRecovery: prune({
      scanIntervalMs: parseNumber('FLASHSALE_SYNC_SCAN_INTERVAL_MS', env.FLASHSALE_SYNC_SCAN_INTERVAL_MS, {
        positive: true,
      }),
    }),
    bodyLimitBytes: parseNumber('FLASHSALE_BODY_LIMIT', env.FLASHSALE_BODY_LIMIT, { integer: true, min: 1024 }),
    logLevel: env.FLASHSALE_LOG_LEVEL || undefined,
    ...resilienceFromEnv(env),
  });
}

/** Merges layers over the defaults (later layers win) and validates the result. */
export function resolveConfig(...layers: ConfigOverrides[]): ServiceConfig {
  const config: ServiceConfig = structuredClone(DEFAULT_CONFIG);
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer) as Array<[keyof ServiceConfig, unknown]>) {
      if (value === undefined) continue;
      const current = config[key];
      if (current !== null && typeof current === 'object' && typeof value === 'object') {
        Object.assign(current, prune(value as Record<string, unknown>));
      } else {
        (config as unknown as Record<string, unknown>)[key] = value;
      }
    }
  }
  validate(config);
  return config;
}

function validate(config: ServiceConfig): void {
  parseNumber('port', config.port, PORT);
  parseNumber('timeScale', config.timeScale, { positive: true });
  parseNumber('workers', config.workers, COUNT);
  parseNumber('payment.latencyMs', config.payment.latencyMs, DURATION);
  parseNumber('payment.jitterMs', config.payment.jitterMs, DURATION);
  parseNumber('payment.slots', config.payment.slots, COUNT);
  parseNumber('payment.declineRate', config.payment.declineRate, RATE);
  parseNumber('payment.errorRate', config.payment.errorRate, RATE);
  parseNumber('queue.visibilityTimeoutMs', config.queue.visibilityTimeoutMs, { positive: true });
  parseNumber('queue.waitTimeMs', config.queue.waitTimeMs, DURATION);
  parseNumber('queue.maxReceiveCount', config.queue.maxReceiveCount, { integer: true, min: 1 });
  parseNumber('syncRecovery.scanIntervalMs', config.syncRecovery.scanIntervalMs, { positive: true });
  parseNumber('bodyLimitBytes', config.bodyLimitBytes, { integer: true, min: 1024 });
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new ConfigError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}, got "${config.logLevel}"`);
  }
  if (!config.dbPath) throw new ConfigError('dbPath', 'must name a file');
  validateResilience(config);
  validateScaleOut(config);
  validatePush(config);
  if (config.notify.smtpUrl !== undefined && !/^smtps?:\/\//.test(config.notify.smtpUrl)) {
    throw new ConfigError('SMTP_URL', `must start with smtp:// or smtps://, got "${config.notify.smtpUrl}"`);
  }
}

/** Parses a boolean setting: 1/true/yes or 0/false/no. */
export function parseFlag(name: string, raw: string | undefined): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** Store, bus and gateway choices of the scale-out processes (api, worker, gateway). */
function validateScaleOut(config: ServiceConfig): void {
  if (config.store !== 'sqlite' && config.store !== 'postgres') {
    throw new ConfigError('store', `must be sqlite or postgres, got "${config.store}"`);
  }
  if (config.bus !== 'embedded' && config.bus !== 'sqs') {
    throw new ConfigError('bus', `must be embedded or sqs, got "${config.bus}"`);
  }
  if (config.store === 'postgres' && !config.databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'must be set (postgres://user@host:5432/db) when the store is postgres');
  }
  if (config.store === 'postgres' && config.bus === 'embedded') {
    throw new ConfigError('bus', 'the embedded bus lives in the SQLite file; with store postgres use bus sqs');
  }
  if (config.databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new ConfigError('DATABASE_URL', `must start with postgres://, got "${config.databaseUrl}"`);
  }
  for (const [name, url] of [
    ['FLASHSALE_GATEWAY_URL', config.gatewayUrl],
    ['AWS_ENDPOINT_URL', config.aws.endpoint],
  ] as const) {
    if (url !== undefined && !/^https?:\/\//.test(url)) {
      throw new ConfigError(name, `must start with http:// or https://, got "${url}"`);
    }
  }
}

/** Push delivery counts its attempts on the queue's receive count. */
function validatePush(config: ServiceConfig): void {
  if (config.processor !== 'queue' && config.processor !== 'push') {
    throw new ConfigError('processor', `must be queue or push, got "${config.processor}"`);
  }
  parseNumber('push.concurrency', config.push.concurrency, COUNT);
  parseNumber('push.retries', config.push.retries, COUNT);
  parseNumber('push.retryDelayMs', config.push.retryDelayMs, DURATION);
  if (config.processor === 'push' && config.push.retries >= config.queue.maxReceiveCount) {
    throw new ConfigError(
      'push.retries',
      `must be below queue.maxReceiveCount (${config.queue.maxReceiveCount}), which dead-letters a message after that many deliveries`,
    );
  }
}

function prune<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
