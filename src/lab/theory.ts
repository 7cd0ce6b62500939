/**
 * What the study's arithmetic (src/analyze) predicts for each phase, in study
 * units (seconds, orders per second).
 */
import { analyzeCapacity, type CapacityAnalysis } from '../analyze/index.js';

/** Orders per second of the flash sale (brief.md). */
export const FLASH_SALE_RATE = 60;
/** Client timeout of the study's load tests, seconds. */
export const CLIENT_TIMEOUT_S = 10;

/** The figures the seed reports for the synchronous checkout (two tasks, 30 s). */
export const SEED_SYNC = {
  normal: { failureShare: 0.333, requestsPerS: 0.65, successesPerS: 0.43, medianMs: 4100, maxMs: 10_047 },
  flash: { failureShare: 0.867, requestsPerS: 1.52, successesPerS: 0.2, medianMs: 10_000, maxMs: 10_089 },
} as const;

/** The synchronous checkout with one slot at the demand the closed-loop users actually made. */
export function syncTheory(latencyS: number, requestsPerS: number): CapacityAnalysis {
  return analyzeCapacity({ latencyS, slots: 1, workers: null, demandPerS: requestsPerS, timeoutS: CLIENT_TIMEOUT_S });
}

export interface BurstTheory {
  /** Orders per second the workers complete while they have a backlog. */
  rate: number;
  /** Orders accepted during the burst. */
  orders: number;
  /** Waiting or being paid when the burst ends (the peak). */
  peakBacklog: number;
  /** Seconds from the end of the burst until the queue is empty. */
  drainS: number;
  /** Growth of the queue during the burst, per second. */
  growthPerS: number;
}

/**
 * The flash sale for `burstS` seconds into `workers` workers and `slots`
 * payment slots (null = unlimited). The analysis counts payments finishing
 * from the first second; the first really finish one payment time in, so the
 * backlog at the end is larger by what the workers would have done then.
 */
export function burstTheory(
  workers: number,
  burstS: number,
  latencyS: number,
  slots: number | null = null,
): BurstTheory {
  const a = analyzeCapacity({ latencyS, slots, workers, demandPerS: FLASH_SALE_RATE, durationS: burstS });
  const headStart = Math.min(a.ordersInSale - a.backlogAtEnd, a.capacityPerS * Math.min(latencyS, burstS));
  const peakBacklog = a.backlogAtEnd + headStart;
  return {
    rate: a.capacityPerS,
    orders: a.ordersInSale,
    peakBacklog,
    drainS: a.capacityPerS > 0 ? peakBacklog / a.capacityPerS : Number.POSITIVE_INFINITY,
    growthPerS: a.queueGrowthPerS,
  };
}

/** Workers that keep up with the flash sale: Little's law, demand × time in service. */
export function workersNeeded(latencyS: number): number {
  return analyzeCapacity({ latencyS, slots: null, workers: null, demandPerS: FLASH_SALE_RATE }).minWorkers;
}
