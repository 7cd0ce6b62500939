/**
 * The shape of the resilience settings (admission control, circuit breaker,
 * autoscaler, rate limit, admin API). Each field's meaning, default, variable
 * and flag are declared once, in settings/resilience.ts.
 */

export interface AdmissionSettings {
  enabled: boolean;
  deadlineMs: number;
}

export interface BreakerSettings {
  enabled: boolean;
  threshold: number;
  halfOpenAfterMs: number;
  timeoutMs: number;
}

export interface AutoscaleSettings {
  enabled: boolean;
  minWorkers: number;
  maxWorkers: number;
  targetDrainMs: number;
  intervalMs: number;
  windowMs: number;
  scaleUpCooldownMs: number;
  scaleDownCooldownMs: number;
  tolerance: number;
  headroom: number;
  backlogReadings: number;
  history: number;
}

export interface RateLimitSettings {
  perSecond: number;
  burst: number;
  keyHeader: string;
  maxClients: number;
}

export interface ResilienceSettings {
  admission: AdmissionSettings;
  breaker: BreakerSettings;
  autoscale: AutoscaleSettings;
  rateLimit: RateLimitSettings;
  adminToken?: string;
}

/** Shortest admin token accepted: a guessable token would make the admin API open. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
