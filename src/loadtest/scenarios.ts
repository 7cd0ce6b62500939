/**
 * The study's experiments as built-in scenarios (brief.md). Durations are in
 * simulated time; a time scale shortens all of them together.
 */
import type { PayloadKind } from './payload.js';
import type { LoadMode } from './results.js';

export interface Scenario {
  name: string;
  description: string;
  mode: LoadMode;
  /** Closed loop: users, users started per second, pause between a user's requests (ms). */
  users?: number;
  spawnRate?: number;
  waitMs?: [number, number];
  /** Open loop: requests per second. */
  rate?: number;
  runTimeMs: number;
  timeoutMs: number;
  /** Default endpoint and body, when not the sync checkout's random study orders. */
  endpoint?: string;
  payload?: PayloadKind;
}

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  normal: {
    name: 'normal',
    description: 'normal operations: 5 users, spawn 1/s, wait 100-500 ms, 30 s, timeout 10 s',
    mode: 'closed',
    users: 5,
    spawnRate: 1,
    waitMs: [100, 500],
    runTimeMs: 30_000,
    timeoutMs: 10_000,
  },
  flash: {
    name: 'flash',
    description: 'flash sale: 20 users, spawn 10/s, wait 100-500 ms, 60 s, timeout 10 s',
    mode: 'closed',
    users: 20,
    spawnRate: 10,
    waitMs: [100, 500],
    runTimeMs: 60_000,
    timeoutMs: 10_000,
  },
  'flash-60': {
    name: 'flash-60',
    description: 'flash sale demand: open loop, 60 orders/s at fixed times, 60 s, timeout 10 s',
    mode: 'open',
    rate: 60,
    runTimeMs: 60_000,
    timeoutMs: 10_000,
  },
  sellout: {
    name: 'sellout',
    description:
      'limited stock: open loop, 60 orders/s on /orders/async, one unit of FLASH-001 each (--sku), a new customer each, 60 s, timeout 10 s',
    mode: 'open',
    rate: 60,
    runTimeMs: 60_000,
    timeoutMs: 10_000,
    endpoint: 'async',
    payload: 'sellout',
  },
};

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}
