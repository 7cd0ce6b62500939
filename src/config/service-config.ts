import type { CatalogMode } from '../core/stock.js';
import type { ResilienceSettings } from './resilience-settings.js';

/**
 * Everything a flashsale process can be configured with: its shape only.
 * Each field's meaning, default, environment variable, flag and the roles
 * that use it are declared once, in settings/*.ts (and the README's settings
 * table is generated from there). Simulated durations are simulated ms; real
 * ones (poll intervals, timeouts of clients) are real ms.
 */
export interface ServiceConfig extends ResilienceSettings {
  host: string;
  port: number;
  dbPath: string;
  store: 'sqlite' | 'postgres';
  bus: 'embedded' | 'sqs';
  databaseUrl?: string;
  gatewayUrl?: string;
  gatewayStatsRefreshMs: number;
  aws: {
    endpoint?: string;
    region?: string;
    provision: boolean;
  };
  sqs: {
    deadLetterSuffix: string;
    sweepWaitSeconds: number;
  };
  timeScale: number;
  workers: number;
  processor: 'queue' | 'push';
  push: {
    concurrency: number;
    retries: number;
    retryDelayMs: number;
    failureDestination: boolean;
  };
  payment: {
    latencyMs: number;
    jitterMs: number;
    slots: number;
    declineRate: number;
    errorRate: number;
  };
  catalog: {
    /** JSON products created at start when missing. */
    file?: string;
    /** Whether a sku not in the catalog is sold (open) or refused (closed). */
    mode: CatalogMode;
    /** Simulated ms an async order may stay pending before it is failed as expired; absent: never. */
    reservationTimeoutMs?: number;
  };
  /** A sync order whose client gave up keeps its place in the payment line (the study's Go handler). */
  holdAbandonedPayments: boolean;
  queue: {
    topic: string;
    name: string;
    visibilityTimeoutMs: number;
    waitTimeMs: number;
    retentionMs: number;
    maxReceiveCount: number;
    retryDelayMs: number;
  };
  embeddedBus: {
    maxBatch: number;
    pollIntervalMs: number;
  };
  outbox: {
    batchSize: number;
    publishBatch: number;
    pollIntervalMs: number;
    leaseMs: number;
    keepSentMs: number;
  };
  /** Retries of every poll loop while a dependency is down: exponential from baseMs to maxMs, full jitter. */
  backoff: {
    baseMs: number;
    maxMs: number;
  };
  postgres: {
    poolSize: number;
    connectTimeoutMs: number;
    queryTimeoutMs: number;
    /** Group commit of the accepts of one event-loop turn. */
    batch: boolean;
    /** How accepts take catalog units: one decrement per sku per batch, or a conditional UPDATE per order. */
    stockReservation: 'batched' | 'naive';
  };
  notify: {
    smtpUrl?: string;
    from: string;
    recipientDomain: string;
    attempts: number;
  };
  syncRecovery: {
    scanIntervalMs: number;
  };
  bodyLimitBytes: number;
  logLevel: string;
  shutdownGraceMs: number;
}

/** The processes a config is for; each shows (and documents) the settings it uses. */
export type Role = 'serve' | 'api' | 'worker' | 'gateway' | 'function';

export const ROLES: readonly Role[] = ['serve', 'api', 'worker', 'gateway', 'function'];
