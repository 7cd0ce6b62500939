/**
 * The study's bottleneck arithmetic. A payment takes L seconds and the
 * provider carries out C of them at once (C = the smaller of payment slots and
 * processor workers), so the pipeline completes C / L orders per second,
 * whatever the demand. Everything else follows from that and from Little's law.
 */

export interface CapacityParams {
  /** Seconds per payment (simulated time). The study: 3. */
  latencyS: number;
  /** Payments the provider accepts at once; null = unlimited. The study: 1. */
  slots: number | null;
  /** Concurrent workers of the processor; null = not a limit (the synchronous checkout has none). */
  workers: number | null;
  /** Orders per second during the sale. The study: 60. */
  demandPerS: number;
  /** Length of the sale, seconds. The study: one hour. */
  durationS: number;
  /** Client timeout of the synchronous checkout, seconds. The study: 10. */
  timeoutS: number;
  /** Orders per second after the sale, while the backlog drains. Default 0. */
  afterDemandPerS?: number;
}

export interface CapacityAnalysis {
  params: CapacityParams;
  /** Payments in progress at once; null = unlimited. */
  concurrency: number | null;
  boundBy: 'slots' | 'workers' | 'slots and workers' | 'nothing';
  capacityPerS: number;
  capacityPerMin: number;
  capacityPerHour: number;
  /** Orders arriving during the sale. */
  ordersInSale: number;
  /** Demand ÷ capacity (1 = exactly keeping up). */
  utilization: number;
  /** Orders per second that cannot be served; the asynchronous queue grows at this rate. */
  deficitPerS: number;
  queueGrowthPerS: number;
  /** Orders still queued when the sale ends. */
  backlogAtEnd: number;
  /** Seconds from the end of the sale until the queue is empty (Infinity if it never is). */
  drainS: number;
  /** Orders completed during the sale. */
  completedInSale: number;
  /** Fewest concurrent payments that keep up: demand × latency (Little's law), rounded up. */
  minWorkers: number;
  /** Synchronous checkout: the share of orders expected to fail (time out) in steady state. */
  syncFailureRate: number;
  /** Synchronous checkout: requests each payment slot can finish within the client timeout (queue positions). */
  syncPositionsPerSlot: number;
  /** Sentences that qualify the figures. */
  notes: string[];
}

/** The study's figures: 3 s payments, 1 slot, 60 orders/s for an hour, 10 s client timeout. */
export const STUDY_PARAMS: CapacityParams = {
  latencyS: 3,
  slots: 1,
  workers: null,
  demandPerS: 60,
  durationS: 3600,
  timeoutS: 10,
};

export function analyzeCapacity(input: Partial<CapacityParams> = {}): CapacityAnalysis {
  const params: CapacityParams = { ...STUDY_PARAMS, ...input };
  const { latencyS, slots, workers, demandPerS, durationS, timeoutS } = params;
  const afterDemand = params.afterDemandPerS ?? 0;
  check(latencyS > 0, 'latency must be greater than zero');
  check(
    demandPerS >= 0 && durationS >= 0 && timeoutS > 0 && afterDemand >= 0,
    'rates and durations must not be negative',
  );
  check(slots === null || slots >= 1, 'slots must be at least 1 (or unlimited)');
  check(workers === null || workers >= 1, 'workers must be at least 1 (or unlimited)');

  const limits = [slots, workers].filter((n): n is number => n !== null);
  const concurrency = limits.length ? Math.min(...limits) : null;
  const boundBy =
    concurrency === null
      ? 'nothing'
      : slots === workers
        ? 'slots and workers'
        : concurrency === slots
          ? 'slots'
          : 'workers';
  const capacityPerS = concurrency === null ? Number.POSITIVE_INFINITY : concurrency / latencyS;
  const deficitPerS = Math.max(0, demandPerS - capacityPerS);
  const backlogAtEnd = deficitPerS * durationS;
  const drainRate = capacityPerS - afterDemand;
  const drainS = backlogAtEnd === 0 ? 0 : drainRate > 0 ? backlogAtEnd / drainRate : Number.POSITIVE_INFINITY;
  const minWorkers = Math.ceil(demandPerS * latencyS - 1e-9);
  const positions = Math.floor(timeoutS / latencyS + 1e-9);
  const syncFailureRate =
    demandPerS === 0 ? 0 : positions === 0 ? 1 : Math.max(0, 1 - Math.min(capacityPerS, demandPerS) / demandPerS);

  const notes: string[] = [];
  if (slots !== null && workers !== null && workers > slots) {
    notes.push(`${workers} workers share ${slots} payment slot(s): only ${slots} payment(s) run at once`);
  }
  if (concurrency !== null && minWorkers > concurrency) {
    const also = slots !== null && slots < minWorkers ? ` and as many payment slots (now ${slots})` : '';
    notes.push(`keeping up with ${demandPerS}/s needs ${minWorkers} payments in progress at once${also}`);
  }
  if (positions === 0)
    notes.push(`a ${timeoutS} s timeout is shorter than one ${latencyS} s payment: every sync request fails`);

  return {
    params,
    concurrency,
    boundBy,
    capacityPerS,
    capacityPerMin: capacityPerS * 60,
    capacityPerHour: capacityPerS * 3600,
    ordersInSale: demandPerS * durationS,
    utilization: capacityPerS === Number.POSITIVE_INFINITY ? 0 : demandPerS / capacityPerS,
    deficitPerS,
    queueGrowthPerS: deficitPerS,
    backlogAtEnd,
    drainS,
    completedInSale: Math.min(demandPerS, capacityPerS) * durationS,
    minWorkers,
    syncFailureRate,
    syncPositionsPerSlot: positions,
    notes,
  };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new RangeError(message);
}
