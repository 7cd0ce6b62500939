import type { Fleet } from './fleet.js';
import type { Supervised } from './supervised.js';
import { sleep, waitUntil } from './wait.js';

export interface FaultTiming {
  /** Real ms an outage (database, SQS, gateway unreachable) lasts. */
  outageMs: number;
  /** Real ms a killed process stays down before the supervisor starts it again. */
  restartDelayMs: number;
}

/** When a fault began and when it was over (the process back, the proxy open again). */
export interface FaultSpan {
  injectedAt: number;
  healedAt: number;
  /** What was done, for the report (e.g. how many connections were terminated). */
  note: string;
}

export interface Fault {
  name: FaultName;
  /** One line for the table. */
  label: string;
  inject(fleet: Fleet, timing: FaultTiming): Promise<FaultSpan>;
}

export const FAULT_NAMES = [
  'none',
  'kill-api',
  'kill-worker',
  'kill-gateway',
  'pg-terminate',
  'pg-refuse',
  'sqs-down',
  'gateway-down',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Kills a process with SIGKILL and starts it again after the restart delay, as a supervisor would. */
async function killAndRestart(
  fleet: Fleet,
  pick: (fleet: Fleet) => Supervised,
  timing: FaultTiming,
): Promise<FaultSpan> {
  const victim = pick(fleet);
  const injectedAt = Date.now();
  await victim.kill();
  await sleep(timing.restartDelayMs);
  await victim.start();
  return { injectedAt, healedAt: Date.now(), note: `${victim.name} SIGKILLed, restarted` };
}

/** Cuts a proxy (open connections reset, new ones refused) for the outage, then opens it again. */
async function outage(proxy: { stop(): Promise<void>; start(): Promise<unknown> }, timing: FaultTiming, what: string) {
  const injectedAt = Date.now();
  await proxy.stop();
  await sleep(timing.outageMs);
  await proxy.start();
  return { injectedAt, healedAt: Date.now(), note: `${what} for ${(timing.outageMs / 1000).toFixed(0)} s` };
}

export const FAULTS: Record<FaultName, Fault> = {
  none: {
    name: 'none',
    label: 'none (steady load)',
    inject: async () => {
      const now = Date.now();
      return { injectedAt: now, healedAt: now, note: 'no fault' };
    },
  },
  'kill-api': {
    name: 'kill-api',
    label: 'SIGKILL api',
    inject: (fleet, timing) => killAndRestart(fleet, (f) => f.apis[0] as Supervised, timing),
  },
  'kill-worker': {
    name: 'kill-worker',
    label: 'SIGKILL worker',
    inject: async (fleet, timing) => {
      const victim = fleet.workers[0] as Supervised;
      // Mid-payment is the interesting moment: its messages must come back and be paid once.
      await waitUntil(async () => busy(victim.url), { timeoutMs: 5000, intervalMs: 20 }).catch(() => undefined);
      return killAndRestart(fleet, () => victim, timing);
    },
  },
  'kill-gateway': {
    name: 'kill-gateway',
    label: 'SIGKILL gateway',
    inject: (fleet, timing) => killAndRestart(fleet, (f) => f.gateway, timing),
  },
  'pg-terminate': {
    name: 'pg-terminate',
    label: 'pg_terminate_backend (all)',
    inject: async (fleet) => {
      const injectedAt = Date.now();
      const n = await terminateRepeatedly(fleet);
      return { injectedAt, healedAt: Date.now(), note: `${n} connections terminated in ${TERMINATE_ROUNDS} rounds` };
    },
  },
  'pg-refuse': {
    name: 'pg-refuse',
    label: 'PostgreSQL refuses connections',
    inject: (fleet, timing) => outage(fleet.pgProxy, timing, 'connections cut and refused'),
  },
  'sqs-down': {
    name: 'sqs-down',
    label: 'SQS emulator unreachable',
    inject: (fleet, timing) => outage(fleet.sqsProxy, timing, 'SNS/SQS endpoint unreachable'),
  },
  'gateway-down': {
    name: 'gateway-down',
    label: 'gateway unreachable',
    inject: (fleet, timing) => outage(fleet.gatewayProxy, timing, 'gateway unreachable'),
  },
};

const TERMINATE_ROUNDS = 10;

/**
 * Terminates every flashsale connection of the database ten times, 100 ms
 * apart: what hurts is a connection caught mid-statement, and a single round
 * often finds every connection idle. Resolves to how many were terminated.
 */
export async function terminateRepeatedly(fleet: Fleet): Promise<number> {
  let n = 0;
  for (let round = 0; round < TERMINATE_ROUNDS; round++) {
    if (round > 0) await sleep(100);
    n += await fleet.terminateBackends();
  }
  return n;
}

async function busy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(1000) });
    const stats = (await response.json()) as { workers?: { busy?: number } };
    return (stats.workers?.busy ?? 0) > 0;
  } catch {
    return false;
  }
}
